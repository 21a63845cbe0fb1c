// Our texts back to a patient (acknowledgements, links, help), sent through the same SMS client as
// reminders, each recorded as an sms_message and mirrored to the org's Slotwise_SMS_Message__c.
import type { Envelope } from '../crypto/envelope.ts';
import type { OutboxWrite } from '../outbox/outbox.ts';
import { consumeSmsCredits, releaseSmsCredits } from '../credits/sms-credits.ts';
import type { Queryable, Store } from '../store/store.ts';
import { isOptedOut, recordOptOut } from './opt-outs.ts';
import { recordOutbound } from './outbound.ts';
import { waitForSendSlot, type SendRate } from './rate-limit.ts';
import { maskNumber } from './reply-texts.ts';
import type { SendResult, SmsApi, SmsSender } from './sender.ts';
import { isTwilioStatus, orgStatusValue, shouldApply, type TwilioStatus } from './status.ts';
import { segmentInfo } from './template.ts';

export const SMS_MESSAGE_OBJECT = 'Slotwise_SMS_Message__c';
/** The status callback path; `?message=<sms_message id>` says which row a callback is about. */
export const STATUS_CALLBACK_PATH = '/webhooks/twilio/status';
export const INBOUND_PATH = '/webhooks/twilio/inbound';
/** A reply waits at most this long for the sender's rate limit (the webhook that asked is waiting too). */
const MAX_RATE_WAIT_MS = 5_000;
/** A reply not delivered within the hour is stale (the patient asked something an hour ago). */
const REPLY_VALIDITY_SECONDS = 3600;

/** Where Twilio reports the status of sms_message `messageId`: the configured public URL, never a Host header. */
export function statusCallbackUrl(publicUrl: URL, messageId: number): string {
  return new URL(`${STATUS_CALLBACK_PATH}?message=${messageId}`, publicUrl).toString();
}

/** How an sms_message column is bound to its row (the encryption context). */
export function messageCipherContext(column: 'recipient_ciphertext' | 'body_ciphertext', id: number) {
  return { table: 'sms_message', column, rowId: String(id) };
}

/** What the org's SMS Message record says of a message (upserted by Twilio_SID__c, so repeats are harmless). */
export function smsMessageWrite(message: {
  orgId: string;
  sid: string;
  direction: 'outbound' | 'inbound';
  status: TwilioStatus;
  errorCode: string | null;
  segments: number | null;
  sentAt: Date | null;
  appointmentId: string | null;
  e164: string | null;
}): OutboxWrite {
  return {
    orgId: message.orgId,
    sobject: SMS_MESSAGE_OBJECT,
    operation: 'upsert',
    externalIdField: 'Twilio_SID__c',
    externalId: message.sid,
    fields: {
      Direction__c: message.direction === 'outbound' ? 'Outbound' : 'Inbound',
      Status__c: orgStatusValue(message.status),
      ...(message.errorCode !== null ? { Error_Code__c: message.errorCode } : {}),
      ...(message.segments !== null ? { Segments__c: message.segments } : {}),
      ...(message.sentAt !== null ? { Sent_At__c: message.sentAt.toISOString() } : {}),
      ...(message.appointmentId !== null ? { Appointment__c: message.appointmentId } : {}),
      ...(message.e164 !== null ? { Masked_Number__c: maskNumber(message.e164) } : {}),
    },
  };
}

export interface ReplyDeps {
  store: () => Store;
  envelope: Envelope;
  sms: () => SmsApi;
  sender: SmsSender;
  publicUrl: URL;
  enqueue(tx: Queryable, write: OutboxWrite): Promise<number>;
  wake(orgId: string): Promise<void>;
  /** SMS_CREDIT_ALLOWANCE: the credits an org's ledger opens with. */
  openingAllowance: number;
  /** The sender's shared rate limit (the one reminders keep to). */
  rate: SendRate;
  now: () => Date;
}

export interface Reply {
  orgId: string;
  appointmentId: string | null;
  /** E.164. */
  to: string;
  recipientHash: string;
  body: string;
  /** sms_message.kind: ack, reschedule_link, help, adhoc, … */
  kind: string;
}

/** Not sent and not recorded: the number opted out for the org, or the org has too few credits. */
export type ReplyOutcome = SendResult | { kind: 'skipped_opted_out' } | { kind: 'no_credits' };

/**
 * Sends one text now: refused when the number is opted out for the org or the org's credits do not
 * cover it (checked in the transaction that records the message and reserves its credits),
 * recorded with its number and text encrypted, the text cleared once Twilio has it, the credits
 * Twilio counted consumed, the org's record queued through the outbox.
 */
export async function sendReply(deps: ReplyDeps, reply: Reply): Promise<ReplyOutcome> {
  const store = deps.store();
  const credits = () => ({ now: deps.now(), openingAllowance: deps.openingAllowance });
  const sender = deps.sender.messagingServiceSid ?? deps.sender.from;
  if (!(await waitForSendSlot(store, sender, deps.rate, MAX_RATE_WAIT_MS))) {
    return { kind: 'retry', code: 'rate_limited', afterMs: MAX_RATE_WAIT_MS, maybeSent: false };
  }
  if (await isOptedOut(store, reply.orgId, reply.recipientHash)) return { kind: 'skipped_opted_out' };
  const attempt = await recordOutbound(
    store,
    deps.envelope,
    {
      orgId: reply.orgId,
      kind: reply.kind,
      reminderId: null,
      appointmentId: reply.appointmentId,
      recipientHash: reply.recipientHash,
      to: reply.to,
      body: reply.body,
      sender,
      segments: segmentInfo(reply.body).segments,
    },
    credits(),
  );
  if (!attempt) return { kind: 'no_credits' };
  const { id } = attempt;

  const result = await deps.sms().sendSms({
    ...deps.sender,
    to: reply.to,
    body: reply.body,
    statusCallback: statusCallbackUrl(deps.publicUrl, id),
    validityPeriodSeconds: REPLY_VALIDITY_SECONDS,
  });
  await store.transaction(async (tx) => {
    const [current] = await tx.query<{ status: string | null; twilio_sid: string | null }>(
      `select status, twilio_sid from sms_message where id = $1 for update`,
      [id],
    );
    if (result.kind !== 'sent') {
      await tx.query(
        `update sms_message set status = 'failed', error_code = $2, body_ciphertext = null, status_at = $3 where id = $1`,
        [id, String(result.code), deps.now()],
      );
      await releaseSmsCredits(tx, id, credits());
      // Twilio knows the number replied STOP to this sender: honour it for the org too.
      if (result.kind === 'opted_out') await recordOptOut(tx, reply.orgId, reply.recipientHash, deps.now());
      return;
    }
    // A status callback may already have moved the row on (it adopts the SID): never go back.
    const known = current?.status && isTwilioStatus(current.status) ? current.status : null;
    const incoming = isTwilioStatus(result.status) ? result.status : 'queued';
    const status = shouldApply(known, incoming) ? incoming : known!;
    const sentAt = deps.now();
    await tx.query(
      `update sms_message set twilio_sid = $2, status = $3, segments = $4, sent_at = $5, status_at = $5,
         body_ciphertext = null where id = $1`,
      [id, result.sid, status, result.segments, sentAt],
    );
    await consumeSmsCredits(tx, id, result.segments, credits());
    await deps.enqueue(
      tx,
      smsMessageWrite({
        orgId: reply.orgId,
        sid: result.sid,
        direction: 'outbound',
        status,
        errorCode: null,
        segments: result.segments,
        sentAt,
        appointmentId: reply.appointmentId,
        e164: reply.to,
      }),
    );
  });
  if (result.kind === 'sent') await deps.wake(reply.orgId);
  return result;
}
