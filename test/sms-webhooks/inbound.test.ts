// Patients' replies: every keyword path against the emulated clinic and the Twilio stand-in.
// PGlite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { sendReply } from '../../service/src/sms/replies.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { eventually, inboundParams, PATIENT, postSigned, smsApp, type SmsTestApp } from './helpers.ts';

const INBOUND = '/webhooks/twilio/inbound';

/** A reminder about tomorrow's appointment, so that replies from the patient belong to the clinic. */
async function remind(env: SmsTestApp) {
  return sendReply(env.replyDeps, await reminderOf(env));
}

async function reminderOf(env: SmsTestApp) {
  return {
    orgId: env.org.orgId,
    appointmentId: env.ids.get('AppointmentTomorrow')!,
    to: PATIENT,
    recipientHash: await env.hashOf(PATIENT),
    body: 'Reminder: your appointment is tomorrow. Reply C to confirm, R to reschedule.',
    kind: 'reminder',
  };
}

/** What the stand-in "sent" to the patient after the first `skip` messages. */
const textsAfter = (env: SmsTestApp, skip: number) =>
  env.standin
    .messages()
    .filter((m) => m.to === PATIENT)
    .slice(skip)
    .map((m) => m.body);

async function reply(t: Test, env: SmsTestApp, body: string, extra: Record<string, string> = {}) {
  const params = { ...inboundParams(env, body), ...extra };
  const response = await postSigned(env, INBOUND, params);
  t.equal(response.statusCode, 200, `${JSON.stringify(body)} answered`);
  t.match(response.headers['content-type'], /^text\/xml/);
  t.equal(response.body, '<?xml version="1.0" encoding="UTF-8"?><Response/>', 'empty TwiML: we reply through the API');
  return params;
}

const optOutRows = (env: SmsTestApp) =>
  env.app.storeConnection.store.query('select org_id from sms_opt_out where recipient_hash is not null');

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    const env = await smsApp(t, backend);
    if (!env) return; // freshStoreConfig has reported the skip
    t.equal((await remind(env)).kind, 'sent');
    await env.standin.idle();

    t.test('C confirms the appointment in the org and acknowledges', async (t) => {
      const before = env.standin.countTo(PATIENT);
      await reply(t, env, ' c ');
      const appointmentId = env.ids.get('AppointmentTomorrow')!;
      await eventually(
        'the appointment is Confirmed',
        () => env.org.record('Slotwise_Appointment__c', appointmentId)?.Status__c === 'Confirmed',
      );
      t.same(textsAfter(env, before), [
        'Thank you, your appointment with Riverside Physiotherapy Clinic is confirmed.',
      ]);
      await env.standin.idle();
      await eventually('the inbound message is in the org', () =>
        env.org
          .records('Slotwise_SMS_Message__c')
          .some(
            (r) => r.Direction__c === 'Inbound' && r.Status__c === 'Received' && r.Appointment__c === appointmentId,
          ),
      );
      const [stored] = await env.app.storeConnection.store.query<{ body_ciphertext: Buffer | null; kind: string }>(
        `select body_ciphertext, kind from sms_message where direction = 'inbound'`,
      );
      t.same(stored, { body_ciphertext: null, kind: 'reply' }, 'the reply text is cleared once handled');
    });

    t.test('a replayed reply is acted on once', async (t) => {
      const before = env.standin.countTo(PATIENT);
      const params = inboundParams(env, 'CONFIRM');
      t.equal((await postSigned(env, INBOUND, params)).statusCode, 200);
      t.equal((await postSigned(env, INBOUND, params)).statusCode, 200, 'the replay is answered');
      t.equal(env.standin.countTo(PATIENT), before + 1, 'one acknowledgement');
    });

    t.test('R: a reschedule link when the service booked it, else please call', async (t) => {
      let before = env.standin.countTo(PATIENT);
      await reply(t, env, 'R');
      t.same(textsAfter(env, before), [
        'To change your appointment, please contact Riverside Physiotherapy Clinic directly.',
      ]);

      const appointment = env.org.record('Slotwise_Appointment__c', env.ids.get('AppointmentTomorrow')!)!;
      const bookingId = randomUUID();
      await env.app.storeConnection.store.query(
        `insert into booking (id, org_id, booking_key, state, type_id, resource_id, start_at, end_at, time_zone,
           appointment_id, created_at, updated_at)
         values ($1, $2, 'demo-AppointmentTomorrow', 'confirmed', $3, $4, $5, $6, 'Europe/London', $7, now(), now())`,
        [
          bookingId,
          env.org.orgId,
          appointment.Appointment_Type__c,
          appointment.Resource__c,
          appointment.Start__c,
          appointment.End__c,
          appointment.Id,
        ],
      );
      before = env.standin.countTo(PATIENT);
      await reply(t, env, 'Reschedule!');
      const [text] = textsAfter(env, before);
      const link = /(https:\/\/\S+)$/.exec(text ?? '')?.[1];
      t.ok(link?.startsWith(`${env.config.publicUrl.origin}/manage/reschedule?token=`), 'a manage link');
      const found = await env.app.booking.get(new URL(link!).searchParams.get('token')!);
      t.equal(found.purpose, 'reschedule', 'the link reschedules');
      t.equal(found.booking.bookingKey, 'demo-AppointmentTomorrow', 'this appointment');
    });

    t.test('HELP gets the clinic’s help text; anything else a polite reply', async (t) => {
      const before = env.standin.countTo(PATIENT);
      await reply(t, env, 'help');
      await reply(t, env, 'مرحبا 👋 can I bring my child?');
      await reply(t, env, '👍');
      const texts = textsAfter(env, before);
      t.equal(texts.length, 3);
      t.match(
        texts[0],
        /^Riverside Physiotherapy Clinic appointment reminders\. Reply C to confirm, R to reschedule, STOP/,
      );
      t.match(texts[1], /Replies here are not read/);
      t.match(texts[2], /Replies here are not read/);
    });

    t.test('with notes to staff on, a reply the service cannot act on is flagged, not its text', async (t) => {
      const [page] = env.org.records('Slotwise_Booking_Page__c');
      const notify = (on: boolean) =>
        env.org.update('Slotwise_Booking_Page__c', page!.Id as string, { Notify_Staff_Of_Replies__c: on });
      notify(true);
      t.teardown(() => notify(false));
      const before = env.standin.countTo(PATIENT);
      const other = await reply(t, env, 'Is there parking nearby?');
      const help = await reply(t, env, 'HELP');
      const texts = textsAfter(env, before);
      t.match(texts[0], /We have let Riverside Physiotherapy Clinic know you replied/, 'the patient is told');
      t.match(texts[1], /Reply C to confirm, R to reschedule, STOP/, 'HELP answered as ever');
      const recordOf = (sid: string) =>
        env.org.records('Slotwise_SMS_Message__c').find((record) => record.Twilio_SID__c === sid);
      await eventually('the reply flagged in the org', () => recordOf(other.MessageSid!)?.Needs_Attention__c === true);
      await eventually('the HELP message in the org', () => recordOf(help.MessageSid!) !== undefined);
      t.not(recordOf(help.MessageSid!)?.Needs_Attention__c, true, 'a reply the service acted on is not flagged');
      const stored = JSON.stringify(env.org.records('Slotwise_SMS_Message__c'));
      t.notMatch(stored, /parking/, 'the text never reaches the org');
    });

    t.test('STOP opts out at once and nothing more is sent; START opts back in', async (t) => {
      const before = env.standin.countTo(PATIENT);
      await reply(t, env, 'Stop');
      t.same(await optOutRows(env), [{ org_id: env.org.orgId }], 'opt-out recorded for the clinic');
      t.equal(env.standin.countTo(PATIENT), before, 'no reply: Twilio answers STOP itself');
      t.same(await remind(env), { kind: 'skipped_opted_out' }, 'the next message is refused before Twilio');
      t.equal(env.standin.countTo(PATIENT), before, 'nothing sent');
      await reply(t, env, 'UNSUBSCRIBE');
      t.equal((await optOutRows(env)).length, 1, 'a second opt-out word changes nothing');

      await reply(t, env, 'start');
      t.same(await optOutRows(env), [], 'opted back in');
      t.equal(env.standin.countTo(PATIENT), before, 'no reply: Twilio answers START itself');
      t.equal((await remind(env)).kind, 'sent', 'messages go again');

      await reply(t, env, 'CANCEL');
      t.equal((await optOutRows(env)).length, 1, 'CANCEL is an opt-out word, not an appointment cancellation');
      t.equal(
        env.org.record('Slotwise_Appointment__c', env.ids.get('AppointmentTomorrow')!)?.Status__c,
        'Confirmed',
        'the appointment is untouched',
      );
      await reply(t, env, 'YES');
      t.same(await optOutRows(env), [], 'YES opts in (it does not confirm)');
      await reply(t, env, 'ARRET', { OptOutType: 'STOP' });
      t.equal((await optOutRows(env)).length, 1, "Twilio's Advanced Opt-Out word counts as it says");
      await reply(t, env, 'START');
    });

    t.test('senders without a country, unknown senders', async (t) => {
      const noCountry = await postSigned(env, INBOUND, inboundParams(env, 'C', '07700900123'));
      t.equal(noCountry.statusCode, 400);
      t.equal(noCountry.json().code, 'invalid_from');
      const before = env.standin.messages().length;
      await reply(t, env, 'C', { From: '+447700900999' });
      t.equal(env.standin.messages().length, before, 'a number nobody wrote to gets no reply');
      const malformed = await postSigned(env, INBOUND, { ...inboundParams(env, 'C'), MessageSid: 'SMnope' });
      t.equal(malformed.statusCode, 400);
    });

    t.test("replies keep to the sender's rate limit", async (t) => {
      // One message per 20 s: the next slot is further away than a reply may wait.
      const slow = { ...env.replyDeps, rate: { perSecond: 0.05, burst: 1 } };
      const before = env.standin.messages().length;
      const first = await sendReply(slow, await reminderOf(env));
      t.equal(first.kind, 'sent');
      const second = await sendReply(slow, await reminderOf(env));
      t.match(second, { kind: 'retry', code: 'rate_limited', maybeSent: false }, 'refused, not queued behind');
      t.equal(env.standin.messages().length, before + 1, 'only the first reached Twilio');
    });

    t.test('numbers and texts are never logged', async (t) => {
      const log = env.logs.join('\n');
      t.notMatch(log, /7700900/, 'no number');
      t.notMatch(
        log,
        /bring my child|Reminder: your appointment|Riverside Physiotherapy Clinic is confirmed/,
        'no text',
      );
      t.match(log, /"intent":"confirm"/, 'what was asked is logged');
    });
  });
}
