// Staff SMS through the org API (POST /v1/sms, GET /v1/sms/history, GET /v1/credits) on the real
// app, its org the emulated demo clinic and Twilio the stand-in: a send is counted at the stand-in,
// its SMS Message record reaches the org through the outbox, credits go down by its segments, the
// history shows it masked; refusals send nothing; numbers and texts never reach the log.
import t from 'tap';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { issueApiKey } from '../../service/src/org/api-keys.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { to18 } from '../../service/src/salesforce/ids.ts';
import { recipientHash, recipientKey } from '../../service/src/sms/recipient.ts';
import { recordOptOut } from '../../service/src/sms/opt-outs.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { reminderApp, until } from '../reminders/helpers.ts';
import { startStandIn } from '../sms/helpers.ts';
import { orgApiApp, USER } from './org-api-app.ts';

const PHONE = '+447700900555';
const STOPPED_PHONE = '+447700900666';
const TWILIO_STOPPED_PHONE = '+447700900777';
const CONTACT_PHONE = '+447700900888';
// 200 GSM-7 characters: two segments.
const BODY = 'Dr Okafor is running late today. ' + 'Please arrive twenty minutes after your booked time. '.repeat(4);

for (const backend of BACKENDS) {
  t.test(`staff SMS: send, refuse, history, credits (${backend})`, async (t) => {
    const storeConfig = await freshStoreConfig(t, backend);
    if (!storeConfig) return;
    const org = await startOrgEmulator(t);
    const demo = seedDemoClinic(org);
    const standin = await startStandIn(t);
    standin.optOut(TWILIO_STOPPED_PHONE);
    const { app, logs, clock } = await reminderApp(t, storeConfig, org, standin, {
      creditAllowance: 20,
      masterKey: generateMasterKey('test-1'),
    });
    const store = app.storeConnection.store;
    const { key } = await issueApiKey(store, org.orgId);
    const headers = { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER };

    const appointment = (values: Record<string, unknown>) =>
      org.insert('Slotwise_Appointment__c', {
        Appointment_Type__c: demo.ids.get('TypeInitialRef'),
        Resource__c: demo.ids.get('ResourceOkaforRef'),
        Start__c: '2030-01-10T10:00:00.000Z',
        End__c: '2030-01-10T10:45:00.000Z',
        Status__c: 'Scheduled',
        Patient_Name__c: 'Ana Lima',
        SMS_Consent__c: true,
        ...values,
      }).Id as string;
    const booked = appointment({ Patient_Phone__c: PHONE });
    const stopped = appointment({ Patient_Phone__c: STOPPED_PHONE });
    const twilioStopped = appointment({ Patient_Phone__c: TWILIO_STOPPED_PHONE });
    const national = appointment({ Patient_Phone__c: '07700 900999' });
    const noPhone = appointment({ Patient_Phone__c: null });
    const noConsent = appointment({ Patient_Phone__c: PHONE, SMS_Consent__c: false });
    const contact = org.insert('Contact', { FirstName: 'Ana', LastName: 'Lima' }).Id as string;
    appointment({ Patient_Phone__c: '+447700900111', Contact__c: contact, Start__c: '2029-01-01T10:00:00.000Z' });
    const contactLatest = appointment({ Patient_Phone__c: CONTACT_PHONE, Contact__c: contact });
    const lead = org.insert('Lead', { FirstName: 'Ian', LastName: 'Hall', Company: 'Self' }).Id as string;

    // An appointment of another org: an id of the same object this org does not have.
    const othersAppointment = to18(booked.slice(0, 3) + 'Z'.repeat(12));
    t.notOk(org.records('Slotwise_Appointment__c').some((row) => row.Id === othersAppointment));

    const hashKey = recipientKey(() => store, app.envelope);
    await recordOptOut(store, org.orgId, recipientHash(await hashKey(), org.orgId, STOPPED_PHONE), new Date());

    const send = (recordId: string, body = BODY) =>
      app.inject({ method: 'POST', url: '/v1/sms', headers, payload: { recordId, body } });
    const credits = async () => (await app.inject({ method: 'GET', url: '/v1/credits', headers })).json();
    t.same(
      await credits(),
      {
        balance: 20,
        lowBalanceThreshold: 50,
        packs: [
          { packId: '100-USD', credits: 100, amount: 15, currencyCode: 'USD' },
          { packId: '500-USD', credits: 500, amount: 60, currencyCode: 'USD' },
          { packId: '2000-USD', credits: 2000, amount: 200, currencyCode: 'USD' },
        ],
        remindersPaused: false,
        pausedReminders: 0,
        recentUsage: [],
      },
      'the allowance before any message',
    );

    const sent = await send(booked);
    t.equal(sent.statusCode, 202, sent.body);
    const result = sent.json();
    t.match(result, { messageId: /^\d+$/, status: 'queued', segments: 2 });
    await standin.idle();
    t.equal(standin.countTo(PHONE), 1, 'counted once at the stand-in');
    t.equal(standin.messages()[0]!.body, BODY, 'the text as staff wrote it');
    await until('the SMS Message record reaches the org', () =>
      org.records('Slotwise_SMS_Message__c').some((row) => row.Appointment__c === booked),
    );
    const [record] = org.records('Slotwise_SMS_Message__c');
    t.match(record, { Direction__c: 'Outbound', Segments__c: 2, Masked_Number__c: '+44••••••0555' });
    t.match(record!.Twilio_SID__c, /^SM/);
    const [row] = await store.query<{ kind: string; body_ciphertext: Buffer | null }>(
      'select kind, body_ciphertext from sms_message where id = $1',
      [Number(result.messageId)],
    );
    t.same(row, { kind: 'adhoc', body_ciphertext: null }, 'recorded as ad-hoc, the text not kept');

    const afterSend = await credits();
    t.equal(afterSend.balance, 18, 'two segments, two credits');
    t.match(afterSend.recentUsage, [{ day: clock.now().toISOString().slice(0, 10), segments: 2, messages: 1 }]);

    const history = await app.inject({ method: 'GET', url: `/v1/sms/history?recordId=${booked}`, headers });
    t.equal(history.statusCode, 200);
    const [entry] = history.json().messages;
    t.match(entry, {
      messageId: result.messageId,
      direction: 'outbound',
      purpose: 'adhoc',
      status: /^(queued|sent|delivered)$/,
      maskedNumber: '+44••••••0555',
      segments: 2,
      scheduledFor: null,
      sentAt: /^\d{4}-\d\d-\d\dT/,
      errorCode: null,
    });
    t.notOk(history.body.includes('7700900555') || history.body.includes('running late'), 'no number, no text');
    const otherHistory = await app.inject({
      method: 'GET',
      url: `/v1/sms/history?recordId=${othersAppointment}`,
      headers,
    });
    t.same(otherHistory.json(), { messages: [] }, 'nothing for an appointment the org has no messages of');

    // Refusals: each a problem with its code, nothing sent, no credit used.
    const refusals: [string, string, number, string][] = [
      ['opted out here', stopped, 422, 'opted_out'],
      ['opted out at Twilio', twilioStopped, 422, 'opted_out'],
      ['a national number', national, 422, 'invalid_phone'],
      ['no number', noPhone, 422, 'no_phone'],
      ['no consent', noConsent, 422, 'no_consent'],
      ['a lead never booked', lead, 422, 'no_consent'],
      ["another org's appointment", othersAppointment, 404, 'record_not_found'],
    ];
    for (const [what, recordId, status, code] of refusals) {
      const refused = await send(recordId);
      t.equal(refused.statusCode, status, what);
      t.equal(refused.json().code, code, what);
    }
    const again = await send(twilioStopped);
    t.equal(again.json().code, 'opted_out', "Twilio's opt-out is kept: refused before Twilio is asked");
    await standin.idle();
    const toTwilioStopped = standin.messages().filter((message) => message.to === TWILIO_STOPPED_PHONE).length;
    t.equal(toTwilioStopped, 0, 'Twilio refused its one attempt; it was asked only once');
    t.equal(standin.messages().length, 1, 'only the first message exists at the stand-in');
    t.equal((await credits()).balance, 18, 'no credit used by a refusal');

    const bad: [string, unknown][] = [
      ['too many segments', { recordId: booked, body: 'a'.repeat(1600) }],
      ['too many characters', { recordId: booked, body: 'a'.repeat(1601) }],
      ['empty', { recordId: booked, body: '' }],
      ['blank', { recordId: booked, body: '   ' }],
      ['not an id', { recordId: 'abc', body: 'Hello' }],
      ['a wrong checksum', { recordId: booked.slice(0, 15) + 'ZZZ', body: 'Hello' }],
    ];
    for (const [what, payload] of bad) {
      const response = await app.inject({ method: 'POST', url: '/v1/sms', headers, payload: payload as object });
      t.equal(response.statusCode, 400, what);
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', what);
    }
    t.equal(standin.messages().length, 1, 'nothing sent for a bad request');

    // A contact: the number of their latest appointment; its history is their appointments'.
    const toContact = await send(contact, 'See you soon.');
    t.equal(toContact.statusCode, 202, toContact.body);
    await standin.idle();
    t.equal(standin.countTo(CONTACT_PHONE), 1, "the latest appointment's number");
    t.equal(standin.countTo('+447700900111'), 0, 'not an older one');
    const contactHistory = (
      await app.inject({ method: 'GET', url: `/v1/sms/history?recordId=${contact}`, headers })
    ).json().messages;
    t.match(contactHistory, [{ messageId: toContact.json().messageId, maskedNumber: '+44••••••0888', segments: 1 }]);
    const [contactRow] = await store.query<{ appointment_id: string }>(
      'select appointment_id from sms_message where id = $1',
      [Number(toContact.json().messageId)],
    );
    t.equal(contactRow!.appointment_id, contactLatest);
    t.equal((await credits()).balance, 17);

    // Not enough credits: refused before Twilio is asked.
    const tenSegments = 'x'.repeat(153 * 9 + 1);
    const first = await send(booked, tenSegments);
    t.equal(first.json().segments, 10, 'ten segments: 7 credits left');
    const broke = await send(booked, tenSegments);
    t.equal(broke.statusCode, 422);
    t.equal(broke.json().code, 'insufficient_credits');
    await standin.idle();
    t.equal(standin.countTo(PHONE), 2, 'the refused one was not sent');

    const expected = 1 + refusals.length + 1 + bad.length + 3;
    const auditRows = () =>
      store.query<{ action: string; status: number; user_id: string }>(
        `select action, status, user_id from org_audit where action = 'POST /v1/sms' order by id`,
      );
    // Written once the answer went out (onResponse): the last one may land just after inject returns.
    await until('every POST recorded, refusals too', async () => (await auditRows()).length === expected);
    const audit = await auditRows();
    t.match(audit[0], { status: 202, user_id: USER });

    const logged = logs.join('');
    t.match(logged, /staff SMS sent/);
    for (const secret of [
      PHONE,
      '7700900555',
      '7700900666',
      '7700900777',
      '7700900888',
      'running late',
      'See you soon',
    ])
      t.notOk(logged.includes(secret), `not logged: ${secret}`);
  });
}

t.test('without Twilio the SMS routes answer 503 sms_not_configured', async (t) => {
  const setup = await orgApiApp(t, 'pglite');
  if (!setup) return;
  const { app, headers } = setup;
  const appointmentId = setup.org.records('Slotwise_Appointment__c')[0]!.Id as string;
  const responses = [
    await app.inject({
      method: 'POST',
      url: '/v1/sms',
      headers: headers(),
      payload: { recordId: appointmentId, body: 'Hi' },
    }),
    await app.inject({ method: 'GET', url: `/v1/sms/history?recordId=${appointmentId}`, headers: headers() }),
    await app.inject({ method: 'GET', url: '/v1/credits', headers: headers() }),
  ];
  for (const response of responses) {
    t.equal(response.statusCode, 503);
    t.equal(response.json().code, 'sms_not_configured');
  }
  const unauthenticated = await app.inject({ method: 'GET', url: '/v1/credits' });
  t.equal(unauthenticated.statusCode, 401, 'the org API key comes first');
});
