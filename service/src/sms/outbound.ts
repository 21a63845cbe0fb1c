// sms_message rows of outbound texts (reminders, replies, staff sends): the number and text are
// stored encrypted (bound to the row), the text only until Twilio has the message, and the credits
// are reserved with the row. Nothing here logs either.
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import { reserveSmsCredits } from '../credits/sms-credits.ts';
import type { PostOptions } from '../credits/store.ts';
import type { Queryable, Store } from '../store/store.ts';

export const RECIPIENT_COLUMN: EncryptedColumn = {
  table: 'sms_message',
  column: 'recipient_ciphertext',
  idColumn: 'id',
};
export const BODY_COLUMN: EncryptedColumn = { table: 'sms_message', column: 'body_ciphertext', idColumn: 'id' };

const context = (column: EncryptedColumn, id: number) => ({
  table: column.table,
  column: column.column,
  rowId: String(id),
});

export interface OutboundMessage {
  orgId: string;
  /** sms_message.kind: reminder, ack, reschedule_link, help, adhoc, … */
  kind: string;
  reminderId: number | null;
  appointmentId: string | null;
  recipientHash: string;
  to: string;
  body: string;
  sender: string;
  /** The segments reserved now (sms/template.ts segmentInfo of the body); Twilio's count is consumed later. */
  segments: number;
}

/**
 * Records an attempt as 'sending' before Twilio is asked, with its credits reserved in the same
 * transaction; undefined, and nothing recorded, when the org's credits do not cover it. The row is
 * written before the reservation takes the org's ledger lock, so the lock is held only for the
 * posting. Returns the message id and its attempt number (per reminder).
 */
export async function recordOutbound(
  store: Store,
  envelope: Envelope,
  message: OutboundMessage,
  credits: PostOptions,
): Promise<{ id: number; attempt: number } | undefined> {
  return store
    .transaction(async (tx) => {
      const [row] = await tx.query<{ id: number; attempt: number }>(
        `insert into sms_message
           (org_id, reminder_id, appointment_id, direction, kind, recipient_hash, sender, status, segments, attempt,
            created_at)
         values ($1, $2, $3, 'outbound', $4, $5, $6, 'sending', $7,
                 case when $2::int8 is null then 1
                      else (select count(*) + 1 from sms_message where reminder_id = $2) end,
                 $8)
         returning id, attempt`,
        [
          message.orgId,
          message.reminderId,
          message.appointmentId,
          message.kind,
          message.recipientHash,
          message.sender,
          message.segments,
          credits.now,
        ],
      );
      const { id, attempt } = row!;
      await tx.query('update sms_message set recipient_ciphertext = $2, body_ciphertext = $3 where id = $1', [
        id,
        await envelope.encrypt(message.to, context(RECIPIENT_COLUMN, id)),
        await envelope.encrypt(message.body, context(BODY_COLUMN, id)),
      ]);
      if (!(await reserveSmsCredits(tx, message.orgId, id, message.segments, credits))) throw NOT_ENOUGH_CREDITS;
      return { id, attempt };
    })
    .catch((error: unknown) => {
      if (error === NOT_ENOUGH_CREDITS) return undefined;
      throw error;
    });
}

/** Rolls the attempt's transaction back when the reservation is refused. */
const NOT_ENOUGH_CREDITS = Symbol('not enough SMS credits');

export type StoredOutbound = {
  id: number;
  org_id: string;
  reminder_id: number | null;
  sender: string | null;
  twilio_sid: string | null;
  status: string | null;
  segments: number | null;
  created_at: Date;
  recipient_ciphertext: Buffer | null;
  body_ciphertext: Buffer | null;
};

/** The number and text of an attempt (the text is null once sent). */
export async function openOutbound(
  envelope: Envelope,
  row: StoredOutbound,
): Promise<{ to: string | null; body: string | null }> {
  return {
    to: row.recipient_ciphertext
      ? await envelope.decryptText(row.recipient_ciphertext, context(RECIPIENT_COLUMN, row.id))
      : null,
    body: row.body_ciphertext ? await envelope.decryptText(row.body_ciphertext, context(BODY_COLUMN, row.id)) : null,
  };
}

/** Twilio has the message: its SID and status are kept, the text is dropped. */
export async function markAccepted(
  db: Queryable,
  id: number,
  accepted: { sid: string; status: string; segments: number },
  now: Date,
): Promise<void> {
  await db.query(
    `update sms_message set twilio_sid = $2, status = $3, segments = $4, sent_at = $5, status_at = $5,
            body_ciphertext = null
      where id = $1`,
    [id, accepted.sid, accepted.status, accepted.segments, now],
  );
}

/** No message exists at Twilio for this attempt. */
export async function markNotSent(db: Queryable, id: number, errorCode: string, now: Date): Promise<void> {
  await db.query(
    `update sms_message set status = 'failed', error_code = $2, status_at = $3, body_ciphertext = null where id = $1`,
    [id, errorCode, now],
  );
}
