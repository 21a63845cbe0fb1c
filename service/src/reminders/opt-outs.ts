// Opt-outs (STOP) are kept by the Twilio webhooks in sms_opt_out (migration 0009, by recipient
// hash). Until that table exists nobody counts as opted out here; Twilio's own 21610 still stops
// the send, and is recorded once the table is there.
import type { Queryable } from '../store/store.ts';
import type { Logger } from './dispatch.ts';

async function optOutTableExists(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ present: boolean }>(`select to_regclass('sms_opt_out') is not null as present`);
  return row?.present === true;
}

export async function isOptedOut(db: Queryable, orgId: string, recipientHash: string): Promise<boolean> {
  if (!(await optOutTableExists(db))) return false;
  const rows = await db.query('select 1 from sms_opt_out where org_id = $1 and recipient_hash = $2', [
    orgId,
    recipientHash,
  ]);
  return rows.length > 0;
}

/** Twilio refused the message's number as opted out (21610): remember it by the message's hash. */
export async function recordOptOut(
  db: Queryable,
  orgId: string,
  messageId: number,
  now: Date,
  log: Logger,
): Promise<void> {
  if (!(await optOutTableExists(db))) return;
  try {
    await db.query(
      `insert into sms_opt_out (org_id, recipient_hash, opted_out_at)
       select org_id, recipient_hash, $3 from sms_message where id = $2 and org_id = $1
       on conflict do nothing`,
      [orgId, messageId, now],
    );
  } catch (error) {
    // The table belongs to the webhooks; a shape this code does not know must not stop dispatch.
    log.warn({ orgId, err: error }, 'opt-out could not be recorded');
  }
}
