// sms_message rows of outbound reminders: the number and text are stored encrypted (bound to the
// row), the text only until Twilio has the message. Nothing here logs either.
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import type { Queryable } from '../store/store.ts';

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
  reminderId: number;
  appointmentId: string;
  recipientHash: string;
  to: string;
  body: string;
  sender: string;
  segments: number;
}

/** Records an attempt as 'sending' before Twilio is asked; returns its id and attempt number. */
export async function insertOutbound(
  tx: Queryable,
  envelope: Envelope,
  message: OutboundMessage,
  now: Date,
): Promise<{ id: number; attempt: number }> {
  const [row] = await tx.query<{ id: number; attempt: number }>(
    `insert into sms_message
       (org_id, reminder_id, appointment_id, direction, kind, recipient_hash, sender, status, segments, attempt,
        created_at)
     values ($1, $2, $3, 'outbound', 'reminder', $4, $5, 'sending', $6,
             (select count(*) + 1 from sms_message where reminder_id = $2), $7)
     returning id, attempt`,
    [
      message.orgId,
      message.reminderId,
      message.appointmentId,
      message.recipientHash,
      message.sender,
      message.segments,
      now,
    ],
  );
  const { id, attempt } = row!;
  await tx.query('update sms_message set recipient_ciphertext = $2, body_ciphertext = $3 where id = $1', [
    id,
    await envelope.encrypt(message.to, context(RECIPIENT_COLUMN, id)),
    await envelope.encrypt(message.body, context(BODY_COLUMN, id)),
  ]);
  return { id, attempt };
}

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
