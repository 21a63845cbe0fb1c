// Twilio's webhooks: status callbacks for messages we sent, and patients' replies. Every request must
// carry X-Twilio-Signature for the configured public URL (403 otherwise), checked before anything
// else is looked at. Numbers and texts are never logged.
//
// One sender serves every org, so a reply is attributed to the org that last wrote to that number.
// Twilio's own opt-out is per sender: after STOP, Twilio refuses every org's messages to the
// number (21610) until START, while our sms_opt_out row names only the org the reply is attributed
// to (the others learn it from the 21610 at their next send).
import formbody from '@fastify/formbody';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { linkExpiry, signManageToken, signingKeySource } from '../booking/manage-token.ts';
import { HttpProblem } from '../problem.ts';
import { classifyReply, type ReplyIntent } from '../sms/keywords.ts';
import { recordOptOut, removeOptOut } from '../sms/opt-outs.ts';
import { recipientHash, recipientKey } from '../sms/recipient.ts';
import {
  INBOUND_PATH,
  SMS_MESSAGE_OBJECT,
  STATUS_CALLBACK_PATH,
  messageCipherContext,
  sendReply,
  smsMessageWrite,
  type ReplyDeps,
} from '../sms/replies.ts';
import { DEFAULT_ORG_NAME, replyTexts, webhookNumberToE164 } from '../sms/reply-texts.ts';
import { assertTwilioSignature, type WebhookParams } from '../sms/signature.ts';
import { isTwilioStatus, shouldApply } from '../sms/status.ts';
import type { Queryable } from '../store/store.ts';

export interface TwilioWebhookOptions {
  /** The account's auth token: Twilio signs webhooks with it (also when the API is called with an API key). */
  authToken: string;
  /** The origin configured in Twilio; signatures are checked against it, never against the Host header. */
  publicUrl: URL;
  /** How replies are sent (the reminders plugin's: its SMS client, sender and credits). */
  replyDeps: ReplyDeps;
  /** Whether an org wants notes to staff (Notify_Staff_Of_Replies__c). */
  notifyStaffOfReplies(orgId: string): Promise<boolean>;
}

const MessageSid = Type.String({ pattern: '^(SM|MM)[0-9a-f]{32}$' });
const AccountSid = Type.String({ pattern: '^AC[0-9a-f]{32}$' });

const StatusQuery = Type.Object({ message: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) });
// Twilio adds fields over time: the ones we read are checked, the rest are signed and ignored.
const StatusBody = Type.Object(
  {
    AccountSid,
    MessageSid,
    MessageStatus: Type.String({ minLength: 1, maxLength: 32 }),
    ErrorCode: Type.Optional(Type.String({ pattern: '^[0-9]{0,6}$' })),
  },
  { additionalProperties: true },
);
const InboundBody = Type.Object(
  {
    AccountSid,
    MessageSid,
    From: Type.String({ minLength: 1, maxLength: 64 }),
    // Concatenated messages reach 1600 characters; room for characters sent as several code units.
    Body: Type.String({ maxLength: 6400 }),
    NumSegments: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    OptOutType: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: true },
);

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
// Signature-checked before anything else, and Twilio sends bursts from few addresses.
const NO_RATE_LIMIT = { rateLimit: false } as const;

export async function twilioWebhookRoutes(app: FastifyInstance, options: TwilioWebhookOptions): Promise<void> {
  await app.register(formbody);
  const { replyDeps } = options;
  const now = replyDeps.now;
  const log = app.log.child({ component: 'twilio-webhooks' });
  const store = () => app.storeConnection.store;
  const hashKey = recipientKey(store, app.envelope);
  const manageKey = signingKeySource(store, app.envelope);
  const wake = (orgId: string) =>
    app.outbox.wake(orgId).catch((error: unknown) => log.warn({ orgId, err: error }, 'outbox wake failed'));

  // After the body is parsed, before it is validated: a forged request learns nothing, not even 400.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    assertTwilioSignature({
      authToken: options.authToken,
      publicUrl: options.publicUrl,
      requestPath: request.url,
      signatureHeader: request.headers['x-twilio-signature'],
      params: formParams(request.body),
    });
  });

  app.post<{ Querystring: Static<typeof StatusQuery>; Body: Static<typeof StatusBody> }>(
    STATUS_CALLBACK_PATH,
    { schema: { querystring: StatusQuery, body: StatusBody }, config: NO_RATE_LIMIT },
    async (request, reply) => {
      const messageId = Number(request.query.message);
      const { MessageSid: sid, MessageStatus: incoming, ErrorCode: errorCode } = request.body;
      if (!isTwilioStatus(incoming)) {
        // A status Twilio added after this was written: not an error, and nothing to apply.
        log.warn({ messageId, status: incoming.slice(0, 32) }, 'unknown Twilio message status ignored');
        return reply.code(204).send();
      }
      const orgId = await store().transaction(async (tx) => {
        const [row] = await tx.query<MessageRow>(
          `select id, org_id, appointment_id, direction, twilio_sid, status, error_code, segments, sent_at,
                  recipient_ciphertext
             from sms_message where id = $1 for update`,
          [messageId],
        );
        if (!row || row.direction !== 'outbound' || (row.twilio_sid !== null && row.twilio_sid !== sid)) {
          log.warn({ messageId }, 'status callback for an unknown message');
          throw new HttpProblem(404, 'unknown_message', 'No such message');
        }
        const current = row.status !== null && isTwilioStatus(row.status) ? row.status : null;
        // An equal status is a retry or a replay; an earlier one arrived late. Neither changes anything.
        if (!shouldApply(current, incoming)) return undefined;
        const at = now();
        const sentAt = row.sent_at ?? (incoming === 'sent' || incoming === 'delivered' ? at : null);
        const error = errorCode ? errorCode : row.error_code;
        await tx.query(
          `update sms_message set status = $2, status_at = $3, error_code = $4, twilio_sid = $5, sent_at = $6
            where id = $1`,
          [row.id, incoming, at, error, sid, sentAt],
        );
        const e164 = row.recipient_ciphertext
          ? await app.envelope.decryptText(
              row.recipient_ciphertext,
              messageCipherContext('recipient_ciphertext', row.id),
            )
          : null;
        await app.outbox.enqueue(
          tx,
          smsMessageWrite({
            orgId: row.org_id,
            sid,
            direction: 'outbound',
            status: incoming,
            errorCode: error,
            segments: row.segments,
            sentAt,
            appointmentId: row.appointment_id,
            e164,
          }),
        );
        return row.org_id;
      });
      if (orgId) await wake(orgId);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof InboundBody> }>(
    INBOUND_PATH,
    { schema: { body: InboundBody }, config: NO_RATE_LIMIT },
    async (request, reply) => {
      const { MessageSid: sid, Body: text, OptOutType: optOutType } = request.body;
      const from = webhookNumberToE164(request.body.From);
      if (!from) {
        throw new HttpProblem(400, 'invalid_from', 'From is not a phone number with its country code');
      }
      const { intent, answeredByTwilio } = classifyReply(text, optOutType);
      const key = await hashKey();
      const handled = await store().transaction(async (tx) => {
        const [fresh] = await tx.query(
          `insert into sms_webhook_receipt (message_sid, event, received_at) values ($1, 'inbound', $2)
           on conflict do nothing returning message_sid`,
          [sid, now()],
        );
        if (!fresh) return 'replayed' as const;
        const conversation = await latestConversation(tx, (orgId) => recipientHash(key, orgId, from));
        if (!conversation) return 'unknown_sender' as const;
        const { orgId, appointmentId, hash } = conversation;
        const segments = Number(request.body.NumSegments ?? '1');
        const messageId = await storeInbound(tx, { orgId, appointmentId, hash, sid, from, text, segments });
        await act(tx, intent, orgId, appointmentId, hash);
        return { orgId, appointmentId, hash, messageId };
      });
      if (handled === 'replayed') {
        log.info({ intent }, 'inbound SMS already handled');
      } else if (handled === 'unknown_sender') {
        log.info({ intent }, 'inbound SMS from a number no org wrote to');
      } else {
        log.info({ orgId: handled.orgId, intent }, 'inbound SMS');
        const noted = intent === 'other' && (await noteToStaff(handled.orgId, sid));
        await wake(handled.orgId);
        if (!answeredByTwilio) await answer(intent, { ...handled, from }, noted);
        await store().query(`update sms_message set body_ciphertext = null where id = $1`, [handled.messageId]);
      }
      return reply.code(200).type('text/xml; charset=utf-8').send(EMPTY_TWIML);
    },
  );

  /**
   * A reply the service cannot act on, for an org that asked: its SMS Message record is flagged
   * Needs_Attention__c (the text itself is not kept; staff call the patient). Best effort: the
   * reply is recorded and answered whatever happens here. True when the note was queued.
   */
  async function noteToStaff(orgId: string, sid: string): Promise<boolean> {
    try {
      if (!(await options.notifyStaffOfReplies(orgId))) return false;
      await store().transaction((tx) =>
        app.outbox.enqueue(tx, {
          orgId,
          sobject: SMS_MESSAGE_OBJECT,
          operation: 'upsert',
          externalIdField: 'Twilio_SID__c',
          externalId: sid,
          fields: { Needs_Attention__c: true },
        }),
      );
      return true;
    } catch (error) {
      log.warn({ orgId, err: error }, 'note to staff not recorded');
      return false;
    }
  }

  /** The org (and appointment) of the latest message we sent to this number, over every connected org. */
  async function latestConversation(tx: Queryable, hashFor: (orgId: string) => string) {
    const orgs = await tx.query<{ org_id: string }>(`select org_id from org_connection where disconnected_at is null`);
    if (orgs.length === 0) return undefined;
    const hashes = orgs.map((org) => hashFor(org.org_id));
    const [latest] = await tx.query<{ org_id: string; appointment_id: string | null; recipient_hash: string }>(
      `select org_id, appointment_id, recipient_hash from sms_message
        where direction = 'outbound' and recipient_hash = any($1::text[])
        order by created_at desc, id desc limit 1`,
      [hashes],
    );
    if (!latest || hashFor(latest.org_id) !== latest.recipient_hash) return undefined;
    return { orgId: latest.org_id, appointmentId: latest.appointment_id, hash: latest.recipient_hash };
  }

  async function storeInbound(
    tx: Queryable,
    message: {
      orgId: string;
      appointmentId: string | null;
      hash: string;
      sid: string;
      from: string;
      text: string;
      segments: number;
    },
  ): Promise<number> {
    const at = now();
    const { segments } = message;
    const [row] = await tx.query<{ id: number }>(
      `insert into sms_message (org_id, appointment_id, direction, kind, recipient_hash, twilio_sid, status, segments,
         created_at, sent_at, status_at)
       values ($1, $2, 'inbound', 'reply', $3, $4, 'received', $5, $6, $6, $6)
       on conflict (twilio_sid) do nothing returning id`,
      [message.orgId, message.appointmentId, message.hash, message.sid, segments, at],
    );
    if (!row) throw new HttpProblem(409, 'duplicate_message', 'This message was already received');
    await tx.query(`update sms_message set recipient_ciphertext = $2, body_ciphertext = $3 where id = $1`, [
      row.id,
      await app.envelope.encrypt(message.from, messageCipherContext('recipient_ciphertext', row.id)),
      await app.envelope.encrypt(message.text, messageCipherContext('body_ciphertext', row.id)),
    ]);
    await app.outbox.enqueue(
      tx,
      smsMessageWrite({
        orgId: message.orgId,
        sid: message.sid,
        direction: 'inbound',
        status: 'received',
        errorCode: null,
        segments,
        sentAt: at,
        appointmentId: message.appointmentId,
        e164: message.from,
      }),
    );
    return row.id;
  }

  /** What the reply changes, in the transaction that records it. */
  async function act(
    tx: Queryable,
    intent: ReplyIntent,
    orgId: string,
    appointmentId: string | null,
    hash: string,
  ): Promise<void> {
    if (intent === 'opt_out') await recordOptOut(tx, orgId, hash, now());
    if (intent === 'opt_in') await removeOptOut(tx, orgId, hash);
    if (intent === 'confirm' && appointmentId && (await confirmable(tx, orgId, appointmentId))) {
      await app.outbox.enqueue(tx, {
        orgId,
        sobject: 'Slotwise_Appointment__c',
        operation: 'update',
        recordId: appointmentId,
        fields: { Status__c: 'Confirmed' },
      });
    }
  }

  /** Confirming a cancelled, finished or missed appointment would revive it: only Scheduled (or unknown) ones. */
  async function confirmable(tx: Queryable, orgId: string, appointmentId: string): Promise<boolean> {
    const [snapshot] = await tx.query<{ status: string | null; deleted: boolean }>(
      `select status, deleted from appointment_snapshot where org_id = $1 and appointment_id = $2`,
      [orgId, appointmentId],
    );
    if (!snapshot) return true;
    return !snapshot.deleted && (snapshot.status === null || ['Scheduled', 'Confirmed'].includes(snapshot.status));
  }

  /** Our text back, when one is due: Twilio answers opt-out and opt-in words itself. */
  async function answer(
    intent: ReplyIntent,
    conversation: { orgId: string; appointmentId: string | null; hash: string; from: string },
    notedForStaff: boolean,
  ): Promise<void> {
    if (intent === 'opt_out' || intent === 'opt_in') return;
    const org = await orgName(conversation.orgId);
    let body: string;
    let kind: string;
    if (intent === 'confirm') {
      const confirmed =
        conversation.appointmentId !== null &&
        (await confirmable(store(), conversation.orgId, conversation.appointmentId));
      [body, kind] = [confirmed ? replyTexts.confirmed(org) : replyTexts.nothingToConfirm(org), 'ack'];
    } else if (intent === 'reschedule') {
      const link = await rescheduleLink(conversation.orgId, conversation.appointmentId);
      [body, kind] = [
        link ? replyTexts.rescheduleLink(org, link) : replyTexts.reschedulePleaseCall(org),
        'reschedule_link',
      ];
    } else if (intent === 'help') {
      [body, kind] = [replyTexts.help(org), 'help'];
    } else {
      [body, kind] = [notedForStaff ? replyTexts.notedForStaff(org) : replyTexts.other(org), 'reply'];
    }
    try {
      const outcome = await sendReply(replyDeps, {
        orgId: conversation.orgId,
        appointmentId: conversation.appointmentId,
        to: conversation.from,
        recipientHash: conversation.hash,
        body,
        kind,
      });
      log.info({ orgId: conversation.orgId, kind, outcome: outcome.kind }, 'reply to an inbound SMS');
    } catch (error) {
      // The reply is a courtesy: the patient's message is recorded and acted on already.
      log.warn({ orgId: conversation.orgId, kind, err: error }, 'reply to an inbound SMS failed');
    }
  }

  async function orgName(orgId: string): Promise<string> {
    try {
      return (await app.schedule.schedule(orgId)).page.name || DEFAULT_ORG_NAME;
    } catch {
      return DEFAULT_ORG_NAME;
    }
  }

  /** A reschedule link when the appointment was booked through the service and is still ahead. */
  async function rescheduleLink(orgId: string, appointmentId: string | null): Promise<string | undefined> {
    if (appointmentId === null) return undefined;
    const [booking] = await store().query<{ id: string; end_at: Date; start_at: Date; link_version: number }>(
      `select id, start_at, end_at, link_version from booking
        where org_id = $1 and appointment_id = $2 and state = 'confirmed'`,
      [orgId, appointmentId],
    );
    if (!booking || booking.start_at.getTime() <= now().getTime()) return undefined;
    const token = signManageToken(await manageKey(), {
      bookingId: booking.id,
      purpose: 'reschedule',
      expiresAt: linkExpiry(booking.end_at.getTime(), now().getTime()),
      linkVersion: booking.link_version,
    });
    return new URL(`/manage/reschedule?token=${token}`, options.publicUrl).toString();
  }
}

type MessageRow = {
  id: number;
  org_id: string;
  appointment_id: string | null;
  direction: 'outbound' | 'inbound';
  twilio_sid: string | null;
  status: string | null;
  error_code: string | null;
  segments: number | null;
  sent_at: Date | null;
  recipient_ciphertext: Buffer | null;
};

/** The parsed form as Twilio signed it; anything else (JSON, nested values) cannot carry its signature. */
function formParams(body: unknown): WebhookParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const params: WebhookParams = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      params[name] = value as string | string[];
    } else {
      throw new HttpProblem(403, 'twilio_signature_invalid', 'The request is not signed by Twilio');
    }
  }
  return params;
}
