// Staff SMS through the org API (docs/org-api.yaml sendSms, listSmsHistory): what the console's SMS
// components call through SlotwiseServiceClient. The number is never in the request: the service
// reads it from the org (the appointment's, or for a contact or lead that of their latest
// appointment, where consent was given with it), so staff can only text numbers the org holds with
// consent. Sending goes through sms/replies.ts sendReply, the path every non-reminder text takes.
// Numbers and texts are never logged; the answer shows numbers masked and never a text.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../problem.ts';
import type { SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import { recipientHash, recipientKey } from '../sms/recipient.ts';
import { messageCipherContext, sendReply } from '../sms/replies.ts';
import { maskNumber } from '../sms/reply-texts.ts';
import { MAX_BODY_CHARACTERS, segmentInfo } from '../sms/template.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';
import { toId18 } from '../salesforce/ids.ts';

const RECORD_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;
const SalesforceId = Type.String({ pattern: RECORD_ID.source });
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** Ten parts is where carriers start to drop concatenated messages (Twilio's own advice). */
export const MAX_SEGMENTS = 10;
/** Newest first, at most this many: a record's history, not an export. */
const HISTORY_LIMIT = 100;
const CONTACT_PREFIX = '003';
const LEAD_PREFIX = '00Q';

/** docs/org-api.yaml, components/schemas/SmsRequest. */
const SmsRequest = Type.Object(
  { recordId: SalesforceId, body: Type.String({ minLength: 1, maxLength: MAX_BODY_CHARACTERS }) },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/SmsResult. */
const SmsResult = Type.Object(
  {
    messageId: Type.String(),
    status: Type.Union([Type.Literal('queued'), Type.Literal('scheduled')]),
    segments: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

const HistoryQuery = Type.Object({ recordId: SalesforceId }, { additionalProperties: false });

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableDateTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** docs/org-api.yaml, components/schemas/SmsHistoryEntry. */
const SmsHistoryEntry = Type.Object(
  {
    messageId: Type.String(),
    direction: Type.Union([Type.Literal('outbound'), Type.Literal('inbound')]),
    purpose: Type.String(),
    status: Type.String(),
    maskedNumber: NullableString,
    segments: Type.Union([Type.Integer(), Type.Null()]),
    scheduledFor: NullableDateTime,
    sentAt: NullableDateTime,
    errorCode: NullableString,
    reason: NullableString,
  },
  { additionalProperties: false },
);
type HistoryEntry = Static<typeof SmsHistoryEntry>;
const SmsHistory = Type.Object({ messages: Type.Array(SmsHistoryEntry) }, { additionalProperties: false });

/** What the org holds for texting the person behind a record. */
interface Recipient {
  appointmentId: string;
  phone: string;
  consent: boolean;
}

function smsNotConfigured(): HttpProblem {
  return new HttpProblem(
    503,
    'sms_not_configured',
    'SMS is not set up on this service',
    'The service has no Twilio account configured; ask the service operator to set TWILIO_*.',
  );
}

function orgUnavailable(): HttpProblem {
  return new HttpProblem(503, 'org_unavailable', 'The org cannot be read right now', 'Please try again in a moment.');
}

/** The 18-character id, or a 400 when its checksum does not match (a mistyped id). */
function recordIdOf(id: string): string {
  const id18 = toId18(id, RECORD_ID);
  if (!id18) throw new HttpProblem(400, 'invalid_request', 'The recordId is not a Salesforce record id');
  return id18;
}

// Twilio's statuses as the API names them (SmsHistoryEntry.status); 'sending' is ours, before Twilio answered.
const STATUS_OF: Record<string, string> = {
  sending: 'queued',
  accepted: 'queued',
  queued: 'queued',
  scheduled: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'cancelled',
  receiving: 'received',
  received: 'received',
};
// sms_message.kind → purpose: our replies to a patient (ack, links, help) and theirs are 'reply'.
const PURPOSE_OF: Record<string, string> = { reminder: 'reminder', adhoc: 'adhoc' };
// sms_reminder.state of a reminder with no message yet.
const REMINDER_STATUS_OF: Record<string, string> = {
  planned: 'scheduled',
  sending: 'scheduled',
  paused: 'scheduled',
  skipped: 'skipped',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** sendSms and listSmsHistory of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function smsRoutes(v1: FastifyInstance): Promise<void> {
  const store = () => v1.storeConnection.store;
  const hashKey = recipientKey(store, v1.envelope);
  const reminders = () => {
    if (!v1.hasDecorator('reminders')) throw smsNotConfigured();
    return v1.reminders;
  };

  async function queryOrg<T extends SalesforceRecord>(request: FastifyRequest, orgId: string, query: string) {
    try {
      return await v1.orgApi.query<T>(orgId, query);
    } catch (error) {
      const { name, errorCode } = error as { name?: string; errorCode?: unknown };
      request.log.warn({ orgId, err: { name, errorCode } }, 'org unavailable for SMS');
      throw orgUnavailable();
    }
  }

  /** The appointments whose messages a record's history shows. */
  async function appointmentsOf(request: FastifyRequest, orgId: string, recordId: string): Promise<string[]> {
    if (recordId.startsWith(CONTACT_PREFIX) || recordId.startsWith(LEAD_PREFIX)) {
      const rows = recordId.startsWith(CONTACT_PREFIX)
        ? await queryOrg(request, orgId, soql`SELECT Id FROM Slotwise_Appointment__c WHERE Contact__c = ${recordId}`)
        : await queryOrg(request, orgId, soql`SELECT Id FROM Slotwise_Appointment__c WHERE Lead__c = ${recordId}`);
      return rows.map((row) => row.Id);
    }
    return [recordId];
  }

  /** The number and consent behind a record of the org; 404 when the org has no such record. */
  async function recipientOf(request: FastifyRequest, orgId: string, recordId: string): Promise<Recipient> {
    const notFound = () => new HttpProblem(404, 'record_not_found', 'There is no such appointment, contact or lead');
    type Row = SalesforceRecord & { Patient_Phone__c?: unknown; SMS_Consent__c?: unknown };
    let rows: Row[];
    if (recordId.startsWith(CONTACT_PREFIX) || recordId.startsWith(LEAD_PREFIX)) {
      const isContact = recordId.startsWith(CONTACT_PREFIX);
      const [person] = await queryOrg(
        request,
        orgId,
        isContact
          ? soql`SELECT Id FROM Contact WHERE Id = ${recordId}`
          : soql`SELECT Id FROM Lead WHERE Id = ${recordId}`,
      );
      if (!person) throw notFound();
      rows = await queryOrg<Row>(
        request,
        orgId,
        isContact
          ? soql`SELECT Id, Patient_Phone__c, SMS_Consent__c FROM Slotwise_Appointment__c
                  WHERE Contact__c = ${recordId} ORDER BY Start__c DESC LIMIT 1`
          : soql`SELECT Id, Patient_Phone__c, SMS_Consent__c FROM Slotwise_Appointment__c
                  WHERE Lead__c = ${recordId} ORDER BY Start__c DESC LIMIT 1`,
      );
      // Consent is given with a booking: someone never booked has none.
      if (rows.length === 0) {
        throw new HttpProblem(422, 'no_consent', 'This person has not agreed to SMS', 'They have no appointment.');
      }
    } else {
      rows = await queryOrg<Row>(
        request,
        orgId,
        soql`SELECT Id, Patient_Phone__c, SMS_Consent__c FROM Slotwise_Appointment__c WHERE Id = ${recordId}`,
      );
      if (rows.length === 0) throw notFound();
    }
    const row = rows[0]!;
    return {
      appointmentId: row.Id,
      phone: typeof row.Patient_Phone__c === 'string' ? row.Patient_Phone__c.trim() : '',
      consent: row.SMS_Consent__c === true,
    };
  }

  v1.post<{ Body: Static<typeof SmsRequest> }>(
    '/sms',
    { ...ORG_ROUTE, schema: { body: SmsRequest, response: { 202: SmsResult } } },
    async (request, reply) => {
      const sms = reminders();
      const { orgId } = orgOf(request);
      const { body } = request.body;
      if (body.trim() === '') throw new HttpProblem(400, 'empty_body', 'The message is empty');
      const { segments } = segmentInfo(body);
      if (segments > MAX_SEGMENTS) {
        throw new HttpProblem(
          400,
          'too_long',
          'The message is too long',
          `It needs ${segments} SMS segments; at most ${MAX_SEGMENTS} are sent.`,
        );
      }
      const recipient = await recipientOf(request, orgId, recordIdOf(request.body.recordId));
      if (recipient.phone === '') {
        throw new HttpProblem(422, 'no_phone', 'There is no phone number on the record');
      }
      if (!E164.test(recipient.phone)) {
        throw new HttpProblem(
          422,
          'invalid_phone',
          'The phone number on the record cannot be texted',
          'Write it in international form, e.g. +447911123456.',
        );
      }
      if (!recipient.consent) throw new HttpProblem(422, 'no_consent', 'This person has not agreed to SMS');
      const optedOut = () =>
        new HttpProblem(
          422,
          'opted_out',
          'This number has opted out of SMS',
          'The patient replied STOP; they can reply START to receive messages again.',
        );
      const hash = recipientHash(await hashKey(), orgId, recipient.phone);
      const [stopped] = await store().query('select 1 from sms_opt_out where org_id = $1 and recipient_hash = $2', [
        orgId,
        hash,
      ]);
      if (stopped) throw optedOut();
      const outcome = await sendReply(sms.replyDeps, {
        orgId,
        appointmentId: recipient.appointmentId,
        to: recipient.phone,
        recipientHash: hash,
        body,
        kind: 'adhoc',
      });
      switch (outcome.kind) {
        case 'sent': {
          const [message] = await store().query<{ id: number }>('select id from sms_message where twilio_sid = $1', [
            outcome.sid,
          ]);
          request.log.info({ orgId, messageId: message?.id, segments: outcome.segments }, 'staff SMS sent');
          return reply
            .code(202)
            .send({ messageId: String(message?.id ?? outcome.sid), status: 'queued', segments: outcome.segments });
        }
        case 'skipped_opted_out':
        case 'opted_out':
          throw optedOut();
        case 'no_credits':
          throw new HttpProblem(
            422,
            'insufficient_credits',
            'There are not enough SMS credits',
            `This message needs ${segments}.`,
          );
        case 'invalid_number':
          throw new HttpProblem(
            422,
            'invalid_phone',
            'The phone number on the record cannot be texted',
            `Twilio refused it (${outcome.code}).`,
          );
        case 'retry':
          reply.header('retry-after', String(Math.max(1, Math.ceil(outcome.afterMs / 1000))));
          throw new HttpProblem(503, 'sms_unavailable', 'SMS cannot be sent right now', 'Please try again shortly.');
        case 'failed':
          throw new HttpProblem(502, 'sms_failed', 'Twilio refused the message', `Twilio error ${outcome.code}.`);
      }
    },
  );

  v1.get<{ Querystring: Static<typeof HistoryQuery> }>(
    '/sms/history',
    { ...ORG_ROUTE, schema: { querystring: HistoryQuery, response: { 200: SmsHistory } } },
    async (request) => {
      reminders();
      const { orgId } = orgOf(request);
      const appointmentIds = await appointmentsOf(request, orgId, recordIdOf(request.query.recordId));
      if (appointmentIds.length === 0) return { messages: [] };
      const db = store();
      const messages = await db.query<{
        id: number;
        direction: 'outbound' | 'inbound';
        kind: string;
        status: string | null;
        error_code: string | null;
        segments: number | null;
        sent_at: Date | null;
        created_at: Date;
        recipient_ciphertext: Buffer | null;
      }>(
        `select id, direction, kind, status, error_code, segments, sent_at, created_at, recipient_ciphertext
           from sms_message where org_id = $1 and appointment_id = any($2::text[])
          order by created_at desc, id desc limit $3`,
        [orgId, appointmentIds, HISTORY_LIMIT],
      );
      // Reminders not sent yet (or never): the org has no record of these.
      const pending = await db.query<{ id: number; state: string; state_reason: string | null; send_at: Date }>(
        `select r.id, r.state, r.state_reason, r.send_at from sms_reminder r
          where r.org_id = $1 and r.appointment_id = any($2::text[]) and r.state <> 'sent'
            and not exists (select 1 from sms_message m where m.reminder_id = r.id)
          order by r.send_at desc, r.id desc limit $3`,
        [orgId, appointmentIds, HISTORY_LIMIT],
      );
      const entries: (HistoryEntry & { at: number })[] = [];
      for (const message of messages) {
        entries.push({
          at: message.created_at.getTime(),
          messageId: String(message.id),
          direction: message.direction,
          purpose: PURPOSE_OF[message.kind] ?? 'reply',
          status: STATUS_OF[message.status ?? 'sending'] ?? 'queued',
          maskedNumber: message.recipient_ciphertext
            ? maskNumber(
                await v1.envelope.decryptText(
                  message.recipient_ciphertext,
                  messageCipherContext('recipient_ciphertext', message.id),
                ),
              )
            : null,
          segments: message.segments,
          scheduledFor: null,
          sentAt: message.sent_at?.toISOString() ?? null,
          errorCode: message.error_code,
          reason: null,
        });
      }
      for (const reminder of pending) {
        const status = REMINDER_STATUS_OF[reminder.state];
        if (!status) continue;
        entries.push({
          at: reminder.send_at.getTime(),
          messageId: `reminder-${reminder.id}`,
          direction: 'outbound',
          purpose: 'reminder',
          status,
          maskedNumber: null,
          segments: null,
          scheduledFor: reminder.send_at.toISOString(),
          sentAt: null,
          errorCode: null,
          reason: reminder.state_reason,
        });
      }
      entries.sort((a, b) => b.at - a.at);
      return { messages: entries.slice(0, HISTORY_LIMIT).map(({ at: _at, ...entry }) => entry) };
    },
  );
}
