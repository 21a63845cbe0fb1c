// Delivered outbox writes are kept a while (they show what was sent, and when) and then deleted,
// so the table does not grow for ever. Pending and rejected writes are never deleted here: the
// first are still to go, the second wait for an admin.
import type { Queryable } from '../store/store.ts';

export const DEFAULT_RETENTION_DAYS = 7;
/** Rows per DELETE: each statement is its own short transaction, so a backlog never holds a long one. */
export const PRUNE_BATCH_SIZE = 1_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Writes delivered before this instant may be deleted. */
export function pruneCutoff(now: Date, retentionDays: number): Date {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError(`retention must be a whole number of days ≥ 1 (got ${retentionDays})`);
  }
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

export interface PruneResult {
  deleted: number;
  /** DELETE statements run, the last one finding fewer than a full batch. */
  batches: number;
}

/**
 * Deletes delivered writes whose delivery is older than `cutoff`, `batchSize` rows per statement,
 * until a statement finds less than a full batch. Oldest ids first: they are where old delivered
 * rows are, so the primary key index finds each batch without scanning the table.
 */
export async function pruneDelivered(
  store: Queryable,
  cutoff: Date,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const batchSize = options.batchSize ?? PRUNE_BATCH_SIZE;
  const result: PruneResult = { deleted: 0, batches: 0 };
  for (;;) {
    options.signal?.throwIfAborted();
    const [row] = await store.query<{ deleted: number }>(
      `with pruned as (
         delete from org_outbox where id in (
           select id from org_outbox where state = 'delivered' and delivered_at < $1 order by id limit $2)
         returning 1)
       select count(*)::int as deleted from pruned`,
      [cutoff, batchSize],
    );
    const deleted = row?.deleted ?? 0;
    result.deleted += deleted;
    result.batches += 1;
    if (deleted < batchSize) return result;
  }
}
