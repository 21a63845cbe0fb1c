// Status callbacks: signed by the real stand-in and accepted, forged ones refused, applied only
// forwards, and mirrored to the org's SMS Message records through the outbox. PGlite and PostgreSQL.
import t from 'tap';
import { sendReply } from '../../service/src/sms/replies.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { eventually, inboundParams, newMessageSid, PATIENT, postSigned, smsApp, type SmsTestApp } from './helpers.ts';

/** Sends a message to the patient about tomorrow's appointment; its id and SID. */
async function sendToPatient(env: SmsTestApp) {
  const outcome = await sendReply(env.replyDeps, {
    orgId: env.org.orgId,
    appointmentId: env.ids.get('AppointmentTomorrow')!,
    to: PATIENT,
    recipientHash: await env.hashOf(PATIENT),
    body: 'Reminder: your appointment is tomorrow at 10:00. Reply C to confirm, R to reschedule.',
    kind: 'reminder',
  });
  if (outcome.kind !== 'sent') throw new Error(`not sent: ${outcome.kind}`);
  const [row] = await env.app.storeConnection.store.query<{ id: number }>(
    'select id from sms_message where twilio_sid = $1',
    [outcome.sid],
  );
  return { id: row!.id, sid: outcome.sid };
}

const orgRecord = (env: SmsTestApp, sid: string) =>
  env.org.records('Slotwise_SMS_Message__c').find((record) => record.Twilio_SID__c === sid);

const statusParams = (env: SmsTestApp, sid: string, status: string, extra: Record<string, string> = {}) => ({
  AccountSid: env.standin.accountSid,
  ApiVersion: '2010-04-01',
  From: '+15005550006',
  MessageSid: sid,
  MessageStatus: status,
  SmsSid: sid,
  SmsStatus: status,
  To: PATIENT,
  ...extra,
});

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    // One app per backend (starting one is slow); the stand-in sends each message's callbacks newest first.
    const env = await smsApp(t, backend, { outOfOrderCallbacks: true });
    if (!env) return; // freshStoreConfig has reported the skip

    t.test(`callbacks from the stand-in are accepted and reach the org`, async (t) => {
      const { id, sid } = await sendToPatient(env);
      await env.standin.idle();
      t.same(
        env.standin.callbacks.filter((c) => c.sid === sid).map((c) => [c.status, c.result]),
        [
          ['delivered', 204],
          ['sent', 204],
        ],
        'every signed callback answered 204, newest first',
      );
      const [row] = await env.app.storeConnection.store.query<{ status: string; body_ciphertext: Buffer | null }>(
        'select status, body_ciphertext from sms_message where id = $1',
        [id],
      );
      t.equal(row!.status, 'delivered');
      t.equal(row!.body_ciphertext, null, 'the text is not kept once sent');
      await eventually('the org record says Delivered', () => orgRecord(env, sid)?.Status__c === 'Delivered');
      const record = orgRecord(env, sid)!;
      t.equal(record.Direction__c, 'Outbound');
      t.equal(record.Masked_Number__c, '+44••••••3456');
      t.equal(record.Appointment__c, env.ids.get('AppointmentTomorrow'));
      t.equal(record.Segments__c, 1);
      t.ok(record.Sent_At__c, 'sent time recorded');
    });

    t.test(`callbacks newest first never move a message backwards`, async (t) => {
      const { id, sid } = await sendToPatient(env);
      await env.standin.idle();
      t.same(
        env.standin.callbacks.filter((c) => c.sid === sid).map((c) => c.status),
        ['delivered', 'sent'],
        'the stand-in sent them out of order',
      );
      const [row] = await env.app.storeConnection.store.query<{ status: string }>(
        'select status from sms_message where id = $1',
        [id],
      );
      t.equal(row!.status, 'delivered');

      // A late "queued" and a replayed "delivered": answered, nothing changes, nothing more is queued.
      const outboxRows = async () =>
        (
          await env.app.storeConnection.store.query<{ n: number }>(
            `select count(*)::int as n from org_outbox where record_key = $1`,
            [`Slotwise_SMS_Message__c:${sid}`],
          )
        )[0]!.n;
      const before = await outboxRows();
      for (const status of ['queued', 'delivered', 'sent']) {
        const response = await postSigned(env, `/webhooks/twilio/status?message=${id}`, statusParams(env, sid, status));
        t.equal(response.statusCode, 204, `${status} answered`);
      }
      t.equal(await outboxRows(), before, 'no write for a status that changes nothing');
      await eventually('the org record says Delivered', () => orgRecord(env, sid)?.Status__c === 'Delivered');

      // A later failure report after delivery is ignored too; a read receipt moves it on.
      t.equal(
        (
          await postSigned(
            env,
            `/webhooks/twilio/status?message=${id}`,
            statusParams(env, sid, 'undelivered', { ErrorCode: '30003' }),
          )
        ).statusCode,
        204,
      );
      t.equal(
        (await postSigned(env, `/webhooks/twilio/status?message=${id}`, statusParams(env, sid, 'read'))).statusCode,
        204,
      );
      const [after] = await env.app.storeConnection.store.query<{ status: string; error_code: string | null }>(
        'select status, error_code from sms_message where id = $1',
        [id],
      );
      t.same(after, { status: 'read', error_code: null });
    });

    t.test(`a failure is recorded with its code`, async (t) => {
      env.standin.setOutcome(PATIENT, { status: 'undelivered', errorCode: 30003 });
      const { sid } = await sendToPatient(env);
      await env.standin.idle();
      env.standin.setOutcome(PATIENT, { status: 'delivered' });
      await eventually('the org record says Undelivered', () => orgRecord(env, sid)?.Status__c === 'Undelivered');
      t.equal(orgRecord(env, sid)!.Error_Code__c, '30003');
    });

    t.test(`forged, unsigned, altered and misdirected webhooks are refused`, async (t) => {
      const { id, sid } = await sendToPatient(env);
      await env.standin.idle();
      const path = `/webhooks/twilio/status?message=${id}`;
      const params = statusParams(env, sid, 'failed', { ErrorCode: '30006' });
      const refused = async (what: string, response: Awaited<ReturnType<typeof postSigned>>) => {
        t.equal(response.statusCode, 403, what);
        t.equal(response.json().code, 'twilio_signature_invalid', what);
      };
      await refused('no signature', await postSigned(env, path, params, { signature: null }));
      await refused('a made-up signature', await postSigned(env, path, params, { signature: 'bm90IGEgc2lnbmF0dXJl' }));
      await refused('signed with another token', await postSigned(env, path, params, { token: 'not-the-auth-token' }));
      await refused(
        'a parameter changed after signing',
        await postSigned(env, path, params, { signAs: { ...params, MessageStatus: 'delivered' } }),
      );
      await refused(
        'signed for another message id',
        await postSigned(env, path, params, {
          signUrl: `${env.config.publicUrl.origin}/webhooks/twilio/status?message=${id + 1}`,
        }),
      );
      await refused(
        'signed for another host',
        await postSigned(env, path, params, { signUrl: `https://evil.example${path}` }),
      );
      const inbound = inboundParams(env, 'STOP');
      await refused(
        'an inbound STOP with a forged signature',
        await postSigned(env, '/webhooks/twilio/inbound', inbound, { signature: 'AAAA' }),
      );
      const json = await env.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json', 'x-twilio-signature': 'AAAA' },
        payload: JSON.stringify({ ...params, Nested: { a: 1 } }),
      });
      t.equal(json.statusCode, 403, 'a JSON body cannot carry a Twilio signature');
      const [row] = await env.app.storeConnection.store.query<{ status: string }>(
        'select status from sms_message where id = $1',
        [id],
      );
      t.equal(row!.status, 'delivered', 'nothing forged was applied');
      t.equal(
        (await env.app.storeConnection.store.query('select 1 from sms_opt_out')).length,
        0,
        'the forged STOP opted nobody out',
      );
    });

    t.test(`malformed and unknown callbacks`, async (t) => {
      const { id, sid } = await sendToPatient(env);
      await env.standin.idle();
      const bad = await postSigned(env, `/webhooks/twilio/status?message=${id}`, {
        ...statusParams(env, sid, 'sent'),
        MessageSid: 'not-a-sid',
      });
      t.equal(bad.statusCode, 400, 'a signed but malformed SID');
      t.equal(
        (await postSigned(env, `/webhooks/twilio/status?message=abc`, statusParams(env, sid, 'sent'))).statusCode,
        400,
      );
      t.equal((await postSigned(env, `/webhooks/twilio/status`, statusParams(env, sid, 'sent'))).statusCode, 400);
      const unknown = await postSigned(
        env,
        `/webhooks/twilio/status?message=${id + 1000}`,
        statusParams(env, sid, 'read'),
      );
      t.equal(unknown.statusCode, 404, 'an unknown message id');
      const otherSid = await postSigned(
        env,
        `/webhooks/twilio/status?message=${id}`,
        statusParams(env, newMessageSid(), 'read'),
      );
      t.equal(otherSid.statusCode, 404, 'a SID that is not the message’s');
      const newStatus = await postSigned(
        env,
        `/webhooks/twilio/status?message=${id}`,
        statusParams(env, sid, 'teleported'),
      );
      t.equal(newStatus.statusCode, 204, 'a status Twilio may add later is ignored');
      const log = env.logs.join('\n');
      t.notMatch(log, /7911123456/, 'the number is never logged');
      t.notMatch(log, /appointment is tomorrow/, 'the text is never logged');
    });
  });
}
