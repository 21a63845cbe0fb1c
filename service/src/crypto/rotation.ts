import type { JobQueue } from '../jobs/queue.ts';
import type { Queryable } from '../store/store.ts';
import { keyIdPrefix, type Envelope } from './envelope.ts';
import { DecryptionError } from './errors.ts';

/** A column of Envelope ciphertexts, each bound to { table, column, rowId: String(<idColumn>) }. */
export interface EncryptedColumn {
  table: string;
  column: string;
  /** The table's primary key. */
  idColumn: string;
}

export interface RotationResult {
  rewrapped: number;
  /** Rows whose values do not decrypt; they stay as they were, under their old keys. */
  failedRowIds: string[];
}

export const KEY_ROTATION_QUEUE = 'encryption-key-rotation';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const REPORTED_ROW_IDS = 20;

/**
 * Re-wraps every value in `column` whose data key is not under the current master key. Safe to run
 * alongside writers (a row changed since it was read is left alone) and to run again after a stop.
 */
export async function rotateColumn(
  store: Queryable,
  envelope: Envelope,
  column: EncryptedColumn,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<RotationResult> {
  const { table, column: name, idColumn } = column;
  for (const identifier of [table, name, idColumn]) {
    if (!IDENTIFIER.test(identifier)) throw new Error(`"${identifier}" is not a plain lower-case SQL identifier`);
  }
  const batchSize = options.batchSize ?? 500;
  const prefix = keyIdPrefix(envelope.currentKeyId);
  const result: RotationResult = { rewrapped: 0, failedRowIds: [] };
  // One pass in id order: a value that will not decrypt is passed over and reported, so it can
  // neither hold the rest of the table back nor keep rotation looping.
  let lastId: unknown;
  for (;;) {
    const rows = await store.query<{ id: unknown; value: Buffer }>(
      `select "${idColumn}" as id, "${name}" as value from "${table}"
        where "${name}" is not null and substring("${name}" from 2 for $1) <> $2
          ${lastId === undefined ? '' : `and "${idColumn}" > $4`}
        order by "${idColumn}" limit $3`,
      lastId === undefined ? [prefix.length, prefix, batchSize] : [prefix.length, prefix, batchSize, lastId],
    );
    for (const row of rows) {
      options.signal?.throwIfAborted();
      const rowId = String(row.id);
      let rewrapped: Buffer;
      try {
        rewrapped = await envelope.rewrap(row.value, { table, column: name, rowId });
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        result.failedRowIds.push(rowId);
        continue;
      }
      const updated = await store.query(
        `update "${table}" set "${name}" = $1 where "${idColumn}" = $2 and "${name}" = $3 returning 1 as updated`,
        [rewrapped, row.id, row.value],
      );
      result.rewrapped += updated.length;
    }
    if (rows.length < batchSize) return result;
    lastId = rows.at(-1)!.id;
  }
}

export interface KeyRotationDeps {
  store: () => Queryable;
  envelope: Envelope;
  /** Every encrypted column of every feature. */
  columns: () => readonly EncryptedColumn[];
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Defines the background job that moves every encrypted column to the current master key. One runs
 * at a time across instances; it fails (and is retried) while some values do not decrypt, so the
 * old keys they need stay visibly in use.
 */
export function defineKeyRotation(queue: JobQueue, deps: KeyRotationDeps): void {
  queue.define<Record<string, never>>(
    KEY_ROTATION_QUEUE,
    async (_data, job) => {
      const keyId = deps.envelope.currentKeyId;
      const failedColumns: string[] = [];
      for (const column of deps.columns()) {
        const { rewrapped, failedRowIds } = await rotateColumn(deps.store(), deps.envelope, column, {
          signal: job.signal,
        });
        const fields = { table: column.table, column: column.column, keyId, rewrapped, failed: failedRowIds.length };
        deps.log.info(fields, 'encrypted column rewrapped under the current master key');
        if (failedRowIds.length > 0) {
          failedColumns.push(`${column.table}.${column.column}`);
          deps.log.warn(
            { ...fields, failedRowIds: failedRowIds.slice(0, REPORTED_ROW_IDS) },
            'encrypted values that do not decrypt were left under their old master keys',
          );
        }
      }
      if (failedColumns.length > 0) {
        throw new Error(`encryption key rotation left values that do not decrypt in ${failedColumns.join(', ')}`);
      }
    },
    { policy: 'exclusive' },
  );
}

/** Asks for a rotation; cheap when every value is already under the current key. */
export async function requestKeyRotation(queue: JobQueue): Promise<void> {
  await queue.send(KEY_ROTATION_QUEUE, {}, { singletonKey: 'rotation' });
}
