// The outbox's decisions, as pure functions of the pending writes and the clock: which writes a
// delivery pass may send now, and when a write that failed for a passing reason is tried again.

/** First retry after 5 s, doubling per attempt, never more than 15 min apart. */
export const BACKOFF_FIRST_MS = 5_000;
export const BACKOFF_MAX_MS = 15 * 60_000;

/** When a write that has failed `attempts` times (≥ 1) for a transient reason is tried again. */
export function nextAttemptAt(attempts: number, now: Date): Date {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const delay = Math.min(BACKOFF_FIRST_MS * 2 ** exponent, BACKOFF_MAX_MS);
  return new Date(now.getTime() + delay);
}

/** What planning needs of a pending write (no payload). */
export interface PendingWrite {
  id: number;
  recordKey: string;
  attempts: number;
  nextAttemptAt: Date;
}

export type PassPlan =
  /** The org failed transiently and its backoff has not run out: send nothing before `until`. */
  | { kind: 'blocked'; until: Date }
  /** Send these writes, in this order: the oldest pending write of each record, by id. */
  | { kind: 'send'; ids: number[] };

/**
 * Plans one round of a delivery pass over the org's oldest pending writes (`pending`, ascending id,
 * a prefix of the whole queue so every write's predecessors are in it).
 *
 * - Per record only the oldest pending write may go: a record's writes arrive in order.
 * - A transient failure (attempts > 0 and a retry time in the future) means the org is down or
 *   over its limit: the whole org waits for that write's retry time, so writes keep their order
 *   and a down org is not hammered by every other record's writes.
 */
export function planPass(pending: readonly PendingWrite[], now: Date): PassPlan {
  let blockedUntil: Date | undefined;
  for (const write of pending) {
    if (write.attempts > 0 && write.nextAttemptAt.getTime() > now.getTime()) {
      if (!blockedUntil || write.nextAttemptAt.getTime() > blockedUntil.getTime()) blockedUntil = write.nextAttemptAt;
    }
  }
  if (blockedUntil) return { kind: 'blocked', until: blockedUntil };
  const seen = new Set<string>();
  const ids: number[] = [];
  for (const write of [...pending].sort((a, b) => a.id - b.id)) {
    if (seen.has(write.recordKey)) continue;
    seen.add(write.recordKey);
    ids.push(write.id);
  }
  return { kind: 'send', ids };
}
