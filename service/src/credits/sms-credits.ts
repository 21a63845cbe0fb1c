// SMS credits on the ledger: every outbound text reserves its estimated segments in the same
// transaction that records the attempt (so an attempt never exists without its credits, and two
// instances cannot both spend the last one), consumes what Twilio actually counted once it has the
// message, and releases the rest, or everything when no message was made. Each posting's
// idempotency key names the message, so a retried step never posts twice.
import type { Queryable, Transaction } from '../store/store.ts';
import { creditBalance, postInTransaction, type PostOptions } from './store.ts';

const reserveKey = (messageId: number) => `sms:${messageId}:reserve`;
const extraKey = (messageId: number) => `sms:${messageId}:reserve-extra`;
const consumeKey = (messageId: number) => `sms:${messageId}:consume`;
const releaseKey = (messageId: number) => `sms:${messageId}:release`;

/** What the org can spend now (reservations in flight excluded). */
export async function availableSmsCredits(db: Queryable, orgId: string, openingAllowance: number): Promise<number> {
  return (await creditBalance(db, orgId, openingAllowance)).available;
}

/**
 * Holds `segments` credits for message `messageId`; false when fewer are available (the caller then
 * pauses or refuses the send and rolls its transaction back).
 */
export async function reserveSmsCredits(
  tx: Transaction,
  orgId: string,
  messageId: number,
  segments: number,
  options: PostOptions,
): Promise<boolean> {
  const posted = await postInTransaction(
    tx,
    {
      orgId,
      idempotencyKey: reserveKey(messageId),
      reference: `sms_message:${messageId}`,
      operation: reserve(segments),
    },
    options,
  );
  if (posted.ok) return true;
  if (posted.error.code === 'insufficient_available') return false;
  throw new Error(`SMS credits could not be reserved: ${posted.error.message}`);
}

/**
 * Twilio has the message and counted `segments`: those are consumed and the rest of the reservation
 * goes back. When Twilio counted more than was estimated (a Messaging Service may pick a sender that
 * encodes differently), the difference is reserved first; what the balance cannot cover is returned,
 * so the caller can log it (the balance never goes below zero).
 */
export async function consumeSmsCredits(
  tx: Transaction,
  messageId: number,
  segments: number,
  options: PostOptions,
): Promise<{ uncovered: number }> {
  const postings = await postingsOf(tx, messageId);
  if (!postings || postings.settled) return { uncovered: 0 };
  const { orgId } = postings;
  let held = postings.held;
  if (segments > held) {
    const extra = await postInTransaction(
      tx,
      { orgId, idempotencyKey: extraKey(messageId), operation: reserve(segments - held) },
      options,
    );
    if (extra.ok) held = segments;
  }
  const consumed = Math.min(segments, held);
  if (consumed > 0) await post(tx, orgId, consumeKey(messageId), { kind: 'consume', amount: consumed }, options);
  if (held > consumed)
    await post(tx, orgId, releaseKey(messageId), { kind: 'release', amount: held - consumed }, options);
  return { uncovered: segments - consumed };
}

/** No message was made: everything reserved for it goes back (nothing, when it was consumed). */
export async function releaseSmsCredits(tx: Transaction, messageId: number, options: PostOptions): Promise<void> {
  const postings = await postingsOf(tx, messageId);
  if (!postings || postings.settled || postings.held === 0) return;
  await post(tx, postings.orgId, releaseKey(messageId), { kind: 'release', amount: postings.held }, options);
}

function reserve(amount: number) {
  return { kind: 'reserve' as const, amount };
}

async function post(
  tx: Transaction,
  orgId: string,
  idempotencyKey: string,
  operation: { kind: 'consume' | 'release'; amount: number },
  options: PostOptions,
): Promise<void> {
  const posted = await postInTransaction(tx, { orgId, idempotencyKey, operation }, options);
  if (!posted.ok) throw new Error(`SMS credits could not be settled: ${posted.error.message}`);
}

/**
 * The message's org, what is held for it (its reservations) and whether that was already settled
 * (consumed or released), in one query; undefined for a message that does not exist.
 */
async function postingsOf(
  db: Queryable,
  messageId: number,
): Promise<{ orgId: string; held: number; settled: boolean } | undefined> {
  const [row] = await db.query<{ org_id: string; held: number; settled: boolean }>(
    `select m.org_id,
            coalesce(sum(t.amount) filter (where t.idempotency_key in ($2, $3)), 0)::int8 as held,
            count(t.id) filter (where t.idempotency_key in ($4, $5)) > 0 as settled
       from sms_message m
       left join credit_transaction t on t.org_id = m.org_id and t.idempotency_key in ($2, $3, $4, $5)
      where m.id = $1
      group by m.org_id`,
    [messageId, reserveKey(messageId), extraKey(messageId), consumeKey(messageId), releaseKey(messageId)],
  );
  return row ? { orgId: row.org_id, held: row.held, settled: row.settled } : undefined;
}
