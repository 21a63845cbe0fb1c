import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../store/store.ts';

/** Messages per second for one sender, and how many may go back to back after a quiet spell. */
export interface SendRate {
  perSecond: number;
  /** 1: messages are evenly spaced, so no one-second window ever holds more than `perSecond`. */
  burst: number;
}

export type RateDecision = { allowed: true; nextFreeUs: number } | { allowed: false; retryAfterMs: number };

/**
 * The generic cell rate algorithm: each message pushes the sender's next free time one interval
 * (1/perSecond) further; a message may go while that time is at most `burst - 1` intervals ahead
 * of now. With burst 1 two messages are never closer than one interval, so any one-second window
 * holds at most `perSecond` of them. Pure: `nextFreeUs` is the stored state (undefined for a
 * sender never seen) and `nowUs` the shared clock.
 */
export function decideSend(nextFreeUs: number | undefined, nowUs: number, rate: SendRate): RateDecision {
  if (!(rate.perSecond > 0) || !Number.isInteger(rate.burst) || rate.burst < 1) {
    throw new RangeError('perSecond must be positive and burst a whole number of at least 1');
  }
  const intervalUs = Math.ceil(1_000_000 / rate.perSecond);
  const toleranceUs = (rate.burst - 1) * intervalUs;
  const due = Math.max(nextFreeUs ?? nowUs, nowUs);
  if (due - nowUs > toleranceUs) {
    return { allowed: false, retryAfterMs: Math.ceil((due - toleranceUs - nowUs) / 1000) };
  }
  return { allowed: true, nextFreeUs: due + intervalUs };
}

/**
 * Asks the store whether `sender` may send one message now, and if so takes its place. The
 * sender's row is locked for the decision, so instances take turns, and the time is the
 * database's, so their clocks need not agree.
 */
export async function tryTakeSendSlot(
  store: Store,
  sender: string,
  rate: SendRate,
): Promise<RateDecision & { atUs: number }> {
  return store.transaction(async (tx) => {
    await tx.query(
      'insert into sms_rate_limits (sender, next_free_us) values ($1, 0) on conflict (sender) do nothing',
      [sender],
    );
    const [row] = await tx.query<{ next_free_us: number }>(
      'select next_free_us from sms_rate_limits where sender = $1 for update',
      [sender],
    );
    // Read after the lock is held: a time read while waiting for it would be stale.
    const [clock] = await tx.query<{ now_us: number }>(
      'select (extract(epoch from clock_timestamp()) * 1000000)::int8 as now_us',
    );
    const nowUs = clock!.now_us;
    const decision = decideSend(row!.next_free_us, nowUs, rate);
    if (decision.allowed) {
      await tx.query('update sms_rate_limits set next_free_us = $2 where sender = $1', [sender, decision.nextFreeUs]);
    }
    return { ...decision, atUs: nowUs };
  });
}

/** Waits for a slot for up to `maxWaitMs`; false when none came in time (the caller reschedules). */
export async function waitForSendSlot(
  store: Store,
  sender: string,
  rate: SendRate,
  maxWaitMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  let waited = 0;
  for (;;) {
    const decision = await tryTakeSendSlot(store, sender, rate);
    if (decision.allowed) return true;
    if (waited + decision.retryAfterMs > maxWaitMs) return false;
    await delay(decision.retryAfterMs, undefined, signal ? { signal } : {});
    waited += decision.retryAfterMs;
  }
}
