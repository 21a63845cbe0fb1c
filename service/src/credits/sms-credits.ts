// SMS credits on the ledger: every outbound text reserves its estimated segments in the same
// transaction that records the attempt (so an attempt never exists without its credits, and two
// instances cannot both spend the last one), consumes what Twilio actually counted once it has the
// message, and releases the rest, or everything when no message was made. Each posting's
// idempotency key names the message, so a retried step never posts twice.
import type { Queryable, Transaction } from '../store/store.ts';
import { creditBalance, findCreditTransaction, postInTransaction, type PostOptions } from './store.ts';

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
  const orgId = await messageOrg(tx, messageId);
  if (!orgId) return { uncovered: 0 };
  if (await findCreditTransaction(tx, orgId, consumeKey(messageId))) return { uncovered: 0 };
  let held = await reservedFor(tx, orgId, messageId);
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
  const orgId = await messageOrg(tx, messageId);
  if (!orgId || (await findCreditTransaction(tx, orgId, consumeKey(messageId)))) return;
  const held = await reservedFor(tx, orgId, messageId);
  if (held > 0) await post(tx, orgId, releaseKey(messageId), { kind: 'release', amount: held }, options);
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

async function messageOrg(db: Queryable, messageId: number): Promise<string | undefined> {
  const [row] = await db.query<{ org_id: string }>('select org_id from sms_message where id = $1', [messageId]);
  return row?.org_id;
}

/** Credits still held for the message: its reservations, unless already released. */
async function reservedFor(db: Queryable, orgId: string, messageId: number): Promise<number> {
  if (await findCreditTransaction(db, orgId, releaseKey(messageId))) return 0;
  const [reserved, extra] = await Promise.all([
    findCreditTransaction(db, orgId, reserveKey(messageId)),
    findCreditTransaction(db, orgId, extraKey(messageId)),
  ]);
  return (reserved?.amount ?? 0) + (extra?.amount ?? 0);
}
