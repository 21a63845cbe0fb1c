// SMS credits. Until the payments issue brings a ledger, an org's balance is a configured allowance
// minus the segments its messages used (sms_credit_use). A send reserves its segments before Twilio
// is asked, under a lock on the org's connection row, so instances sending for one org at once
// cannot both spend the last credit; a send that made no message gives its reservation back.
import type { Queryable } from '../store/store.ts';

/** Credits left: `allowance` minus every reservation of the org. */
export async function creditBalance(db: Queryable, orgId: string, allowance: number): Promise<number> {
  const [row] = await db.query<{ used: number | string | null }>(
    'select coalesce(sum(segments), 0)::int8 as used from sms_credit_use where org_id = $1',
    [orgId],
  );
  return allowance - Number(row?.used ?? 0);
}

/** Serialises credit decisions for one org until the transaction ends. */
export async function lockOrgCredits(tx: Queryable, orgId: string): Promise<void> {
  await tx.query('select 1 from org_connection where org_id = $1 for update', [orgId]);
}

export async function reserveCredits(
  tx: Queryable,
  orgId: string,
  messageId: number,
  segments: number,
  now: Date,
): Promise<void> {
  await tx.query('insert into sms_credit_use (org_id, message_id, segments, created_at) values ($1, $2, $3, $4)', [
    orgId,
    messageId,
    segments,
    now,
  ]);
}

/** The message was never created at Twilio: its credits go back. */
export async function releaseCredits(db: Queryable, messageId: number): Promise<void> {
  await db.query('delete from sms_credit_use where message_id = $1', [messageId]);
}

/** Twilio counted differently from our estimate (a Messaging Service's sender): the actual count is kept. */
export async function settleCredits(db: Queryable, messageId: number, segments: number): Promise<void> {
  await db.query('update sms_credit_use set segments = $2 where message_id = $1', [messageId, segments]);
}
