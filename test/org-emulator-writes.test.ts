import t, { type Test } from 'tap';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { TestClock, connect, errorCodeOf, failureOf, startOrgEmulator } from './helpers/org-emulator.ts';

async function clinic(t: Test) {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  const appointment = (key: string, start = '2026-04-01T09:00:00Z', end = '2026-04-01T09:30:00Z') => ({
    Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
    Resource__c: demo.ids.get('ResourcePatelRef'),
    Start__c: start,
    End__c: end,
    Booking_Key__c: key,
  });
  return { org, clock, demo, conn: connect(org), appointment };
}

t.test('upsert by external id creates, then updates the same record', async (t) => {
  const { org, clock, conn, appointment } = await clinic(t);
  const created = await conn.sobject('Slotwise_Appointment__c').upsert(appointment('bk-42'), 'Booking_Key__c');
  t.same(created, { id: created.id, success: true, errors: [], created: true });
  const before = org.record('Slotwise_Appointment__c', created.id!)!;
  t.equal(before.Status__c, 'Scheduled', 'picklist default applied');
  t.match(before.Name, /^APT-\d{6}$/);

  clock.advance(60_000);
  const updated = await conn
    .sobject('Slotwise_Appointment__c')
    .upsert({ Booking_Key__c: 'bk-42', Status__c: 'Cancelled' }, 'Booking_Key__c');
  t.same(updated, { id: created.id, success: true, errors: [], created: false });
  const after = org.record('Slotwise_Appointment__c', created.id!)!;
  t.equal(after.Status__c, 'Cancelled');
  t.ok(String(after.SystemModstamp) > String(before.SystemModstamp));
  t.equal(after.LastModifiedDate, after.SystemModstamp);
  t.equal(org.records('Slotwise_Appointment__c').filter((r) => r.Booking_Key__c === 'bk-42').length, 1);
});

t.test('create, retrieve with fields, update (204) and data checks', async (t) => {
  const { conn, appointment } = await clinic(t);
  const created = await conn
    .sobject('Slotwise_Appointment__c')
    .create({ ...appointment('bk-1'), Patient_Name__c: 'A' });
  const record = await conn
    .sobject('Slotwise_Appointment__c')
    .retrieve(created.id!, { fields: ['Patient_Name__c', 'Start__c'] });
  t.same(record, {
    attributes: {
      type: 'Slotwise_Appointment__c',
      url: `/services/data/v65.0/sobjects/Slotwise_Appointment__c/${created.id}`,
    },
    Patient_Name__c: 'A',
    Start__c: '2026-04-01T09:00:00.000+0000',
  });
  const update = await conn.sobject('Slotwise_Appointment__c').update({ Id: created.id!, Patient_Name__c: 'B' });
  t.same(update, { id: created.id, success: true, errors: [] });
  t.equal(await errorCodeOf(t, conn.sobject('Slotwise_Appointment__c').create(appointment('bk-1'))), 'DUPLICATE_VALUE');
  t.equal(
    await errorCodeOf(t, conn.sobject('Slotwise_Appointment__c').create({ Booking_Key__c: 'x' })),
    'REQUIRED_FIELD_MISSING',
  );
  t.equal(
    await errorCodeOf(t, conn.sobject('Slotwise_Appointment__c').update({ Id: created.id!, Status__c: 'Maybe' })),
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  );
});

t.test('composite collections: partial success, and allOrNone rolls everything back', async (t) => {
  const { org, conn, appointment } = await clinic(t);
  const before = org.records('Slotwise_Appointment__c').length;
  const partial = await conn.sobject('Slotwise_Appointment__c').create([appointment('c-1'), { Booking_Key__c: 'c-2' }]);
  t.same(
    partial.map((r) => r.success),
    [true, false],
  );
  t.equal((partial[1] as { errors: { statusCode: string }[] }).errors[0]!.statusCode, 'REQUIRED_FIELD_MISSING');
  t.equal(org.records('Slotwise_Appointment__c').length, before + 1);

  const all = await conn
    .sobject('Slotwise_Appointment__c')
    .create([appointment('c-3'), { Booking_Key__c: 'c-4' }], { allOrNone: true });
  t.same(
    all.map((r) => r.success),
    [false, false],
  );
  t.equal((all[0] as { errors: { statusCode: string }[] }).errors[0]!.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  t.equal(org.records('Slotwise_Appointment__c').length, before + 1);

  const upserted = await conn
    .sobject('Slotwise_Appointment__c')
    .upsert([appointment('c-1'), appointment('c-5')], 'Booking_Key__c');
  t.same(
    upserted.map((r) => (r as { created?: boolean }).created),
    [false, true],
  );
  const deleted = await conn.sobject('Slotwise_Appointment__c').destroy([partial[0]!.id!]);
  t.equal(
    (deleted[0] as { errors: { statusCode: string }[] }).errors[0]!.statusCode,
    'INSUFFICIENT_ACCESS_OR_READONLY',
  );
});

t.test('faults surface to jsforce with the matching error code', async (t) => {
  const { org, conn, appointment } = await clinic(t);
  const session = org.issueSession();
  const create = () => conn.sobject('Slotwise_Appointment__c').create(appointment(`f-${Math.random()}`));

  org.injectFault({ kind: 'request-limit' });
  t.equal(await errorCodeOf(t, conn.query('SELECT Id FROM Contact')), 'REQUEST_LIMIT_EXCEEDED');

  org.injectFault({ kind: 'unavailable' });
  t.equal(await errorCodeOf(t, create()), 'SERVER_UNAVAILABLE', 'a POST is not retried by jsforce');

  org.injectFault({ kind: 'unable-to-lock-row' });
  t.equal(await errorCodeOf(t, create()), 'UNABLE_TO_LOCK_ROW');

  org.injectFault({ kind: 'validation-rule', message: 'End must be after start.', field: 'End__c' });
  const rejected = await failureOf(t, create());
  t.same([rejected.errorCode, rejected.message], ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'End must be after start.']);

  org.injectFault({ kind: 'connection-reset' });
  await t.rejects(create(), 'a dropped connection rejects the POST');

  const other = connect(org, session);
  const refreshed: string[] = [];
  other.on('refresh', (token: string) => refreshed.push(token));
  org.injectFault({ kind: 'expired-session', accessToken: session.accessToken });
  t.equal((await other.query('SELECT Id FROM Contact')).totalSize, 1);
  t.equal(refreshed.length, 1, 'jsforce refreshed after INVALID_SESSION_ID');

  org.injectFault({ kind: 'slow', delayMs: 50 });
  t.equal((await conn.query('SELECT Id FROM Contact')).totalSize, 1);

  t.ok((await create()).success, 'faults are used up');
});

t.test('a GET that meets 503 is retried by jsforce; faults until cleared keep failing', async (t) => {
  const { org, conn } = await clinic(t);
  const usedBefore = org.apiUsage.used;
  org.injectFault({ kind: 'unavailable', times: 1 });
  t.equal((await conn.query('SELECT Id FROM Contact')).totalSize, 1);
  t.equal(org.apiUsage.used, usedBefore + 2, 'one failed call and its retry');

  org.injectFault({ kind: 'request-limit', times: Infinity });
  t.equal(await errorCodeOf(t, conn.query('SELECT Id FROM Contact')), 'REQUEST_LIMIT_EXCEEDED');
  t.equal(await errorCodeOf(t, conn.query('SELECT Id FROM Lead')), 'REQUEST_LIMIT_EXCEEDED');
  org.clearFaults();
  t.equal((await conn.query('SELECT Id FROM Lead')).totalSize, 1);
});

t.test('Sforce-Limit-Info counts API calls', async (t) => {
  const { org } = await clinic(t);
  const { accessToken } = org.issueSession();
  const limitInfo = async () => {
    const response = await fetch(`${org.url}/services/data/v65.0/limits`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return response.headers.get('sforce-limit-info');
  };
  t.equal(await limitInfo(), 'api-usage=1/15000');
  t.equal(await limitInfo(), 'api-usage=2/15000');
  const refused = await fetch(`${org.url}/services/data/v65.0/limits`, { headers: { authorization: 'Bearer nope' } });
  t.equal(refused.status, 401);
  t.same(await refused.json(), [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  t.equal(refused.headers.get('sforce-limit-info'), 'api-usage=3/15000');
});
