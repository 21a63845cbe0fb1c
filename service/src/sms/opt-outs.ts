// Opt-outs (STOP and its kin), per org and keyed by the recipient's hash (sms/recipient.ts): the
// one place they are read and written, by the webhooks, the dispatcher and every other send.
import type { Queryable } from '../store/store.ts';

export async function isOptedOut(db: Queryable, orgId: string, recipientHash: string): Promise<boolean> {
  const rows = await db.query('select 1 from sms_opt_out where org_id = $1 and recipient_hash = $2', [
    orgId,
    recipientHash,
  ]);
  return rows.length > 0;
}

/** Stored at once, so the next send to this number for the org is refused. */
export async function recordOptOut(db: Queryable, orgId: string, recipientHash: string, at: Date): Promise<void> {
  await db.query(
    `insert into sms_opt_out (org_id, recipient_hash, opted_out_at) values ($1, $2, $3)
     on conflict (org_id, recipient_hash) do nothing`,
    [orgId, recipientHash, at],
  );
}

/** Twilio refused a message's number as opted out (21610): the opt-out of that message's recipient. */
export async function recordOptOutOfMessage(db: Queryable, orgId: string, messageId: number, at: Date): Promise<void> {
  await db.query(
    `insert into sms_opt_out (org_id, recipient_hash, opted_out_at)
     select org_id, recipient_hash, $3 from sms_message where id = $2 and org_id = $1
     on conflict (org_id, recipient_hash) do nothing`,
    [orgId, messageId, at],
  );
}

/** START and its kin. */
export async function removeOptOut(db: Queryable, orgId: string, recipientHash: string): Promise<void> {
  await db.query('delete from sms_opt_out where org_id = $1 and recipient_hash = $2', [orgId, recipientHash]);
}
