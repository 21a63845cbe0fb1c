// What dispatch does with each answer Twilio can give, against the stand-in and the emulated clinic
// (PGlite and PostgreSQL), in three rounds moved along by the reminders' clock (a rule one hour
// before: each round's appointments come due when the clock is an hour on):
//   1. 429 / 20429 with Retry-After: retried no sooner, sent once. A number that replied STOP
//      (stored as the webhook stores it): nothing sent.
//   2. 21610: skipped as opted out and the opt-out stored, never retried; 21211 and 21614: failed
//      with the code.
//   3. A later reminder to the 21610 number: nothing reaches the stand-in. A reminder rate limited
//      until after its appointment: failed as expired, never sent late.
// Every outcome is visible to staff in app.reminders.status.
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { recipientHash, recipientKey } from '../../service/src/sms/recipient.ts';
import { recordOptOut } from '../../service/src/sms/opt-outs.ts';
import type { TwilioStandIn } from '../../service/src/sms/standin/server.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { startStandIn } from '../sms/helpers.ts';
import { addRule, DEMO_ZONE, reminderApp, until } from './helpers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const RATE_LIMITED = '+447911200001';
const STOPPED = '+447911200002';
const OPTED_OUT_AT_TWILIO = '+447911200003';
const INVALID = '+447911200004';
const NOT_MOBILE = '+447911200005';
const TOO_LATE = '+447911200006';

/** An appointment for `phone` starting `startsIn` after `now`, with SMS consent. */
function appointment(org: OrgEmulator, now: Date, startsIn: number, phone: string): string {
  const [type] = org.records('Slotwise_Appointment_Type__c');
  const [resource] = org.records('Slotwise_Resource__c');
  const start = now.getTime() + startsIn;
  return org.insert('Slotwise_Appointment__c', {
    Appointment_Type__c: type!.Id,
    Resource__c: resource!.Id,
    Start__c: new Date(start).toISOString(),
    End__c: new Date(start + 30 * MINUTE).toISOString(),
    Status__c: 'Scheduled',
    Time_Zone__c: DEMO_ZONE,
    Patient_Name__c: 'Sam Patel',
    Patient_Phone__c: phone,
    SMS_Consent__c: true,
  }).Id as string;
}

type ReminderRow = {
  state: string;
  state_reason: string | null;
};

async function reminderOf(app: FastifyInstance, appointmentId: string): Promise<ReminderRow | undefined> {
  const [row] = await app.storeConnection.store.query<ReminderRow>(
    'select state, state_reason from sms_reminder where appointment_id = $1',
    [appointmentId],
  );
  return row;
}

async function settled(app: FastifyInstance, appointmentId: string, state: string): Promise<void> {
  await app.reminders.wake();
  await until(
    `the reminder of ${appointmentId} ${state}`,
    async () => (await reminderOf(app, appointmentId))?.state === state,
  );
}

/** Create requests that reached the stand-in for `phone`, whatever it answered. */
function requestsTo(standin: TwilioStandIn, phone: string): number {
  return standin.requests.filter(
    (request) => request.method === 'POST' && request.params.some(([name, value]) => name === 'To' && value === phone),
  ).length;
}

for (const backend of BACKENDS) {
  t.test(`Twilio's answers and what dispatch makes of them (${backend})`, async (t) => {
    const store = await freshStoreConfig(t, backend);
    if (!store) return;
    const org = await startOrgEmulator(t);
    seedDemoClinic(org);
    // Only this test's rule: one hour before.
    for (const rule of org.records('Slotwise_Reminder_Rule__c')) {
      org.update('Slotwise_Reminder_Rule__c', rule.Id as string, { Active__c: false });
    }
    addRule(org, 60, 'Hi {FirstName}, see you {Time} at {OrgName}.');
    const standin = await startStandIn(t);
    standin.optOut(OPTED_OUT_AT_TWILIO);
    standin.rejectNumber(INVALID, 21211);
    standin.rejectNumber(NOT_MOBILE, 21614);
    const { app, clock } = await reminderApp(t, store, org, standin, { masterKey: generateMasterKey('test-1') });
    const db = app.storeConnection.store;

    // The patient texted STOP before: stored as the inbound webhook stores it.
    const key = await recipientKey(() => db, app.envelope)();
    const hashOf = (phone: string) => recipientHash(key, org.orgId, phone);
    await recordOptOut(db, org.orgId, hashOf(STOPPED), clock.now());

    const t0 = clock.now();
    // Round 1: due at once (the hour before has begun), sent now.
    const rateLimited = appointment(org, t0, 30 * MINUTE, RATE_LIMITED);
    const stopped = appointment(org, t0, 40 * MINUTE, STOPPED);
    // Round 2: due an hour on.
    const optedOut = appointment(org, t0, HOUR + 30 * MINUTE, OPTED_OUT_AT_TWILIO);
    const invalid = appointment(org, t0, HOUR + 30 * MINUTE, INVALID);
    const notMobile = appointment(org, t0, HOUR + 30 * MINUTE, NOT_MOBILE);
    // Round 3: due two hours on.
    const optedOutLater = appointment(org, t0, 2 * HOUR + 30 * MINUTE, OPTED_OUT_AT_TWILIO);
    const tooLate = appointment(org, t0, 2 * HOUR + 30 * MINUTE, TOO_LATE);

    standin.faults.add({ kind: 'rate_limited', retryAfter: '3' });
    await app.sync.start(org.orgId);

    await t.test('429 with Retry-After: sent once, no sooner than asked', async (t) => {
      await settled(app, rateLimited, 'sent');
      await standin.idle();
      t.equal(requestsTo(standin, RATE_LIMITED), 2, 'refused once, then accepted');
      t.equal(standin.countTo(RATE_LIMITED), 1, 'one message');
      const attempts = await db.query<{ error_code: string | null; created_at: Date }>(
        `select m.error_code, m.created_at from sms_message m join sms_reminder r on r.id = m.reminder_id
          where r.appointment_id = $1 order by m.id`,
        [rateLimited],
      );
      t.equal(attempts.length, 2, 'both attempts kept');
      t.equal(attempts[0]!.error_code, '20429');
      t.equal(attempts[1]!.error_code, null);
      t.ok(attempts[1]!.created_at.getTime() - attempts[0]!.created_at.getTime() >= 3_000, 'after Retry-After');
    });

    await t.test('a number that sent STOP: nothing sent, and staff see why', async (t) => {
      await settled(app, stopped, 'skipped');
      t.same(await reminderOf(app, stopped), { state: 'skipped', state_reason: 'opted_out' });
      t.equal(requestsTo(standin, STOPPED), 0, 'nothing reached Twilio');
      t.equal((await app.reminders.status(org.orgId)).reasons.opted_out, 1);
    });

    clock.advance(HOUR);

    await t.test('21610: skipped as opted out, the opt-out stored, never retried', async (t) => {
      await settled(app, optedOut, 'skipped');
      t.same(await reminderOf(app, optedOut), { state: 'skipped', state_reason: 'opted_out' });
      const stored = await db.query('select 1 from sms_opt_out where org_id = $1 and recipient_hash = $2', [
        org.orgId,
        hashOf(OPTED_OUT_AT_TWILIO),
      ]);
      t.equal(stored.length, 1, 'opt-out recorded');
      await app.reminders.wake();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      t.equal(requestsTo(standin, OPTED_OUT_AT_TWILIO), 1, 'asked once, not again');
      t.equal(standin.countTo(OPTED_OUT_AT_TWILIO), 0);
    });

    await t.test('21211 and 21614: failed with the code', async (t) => {
      await settled(app, invalid, 'failed');
      await settled(app, notMobile, 'failed');
      t.same(await reminderOf(app, invalid), { state: 'failed', state_reason: 'invalid_number:21211' });
      t.same(await reminderOf(app, notMobile), { state: 'failed', state_reason: 'invalid_number:21614' });
      t.equal(requestsTo(standin, INVALID), 1, 'not retried');
      t.equal(requestsTo(standin, NOT_MOBILE), 1, 'not retried');
      const { reasons } = await app.reminders.status(org.orgId);
      t.equal(reasons['invalid_number:21211'], 1, 'visible in status');
      t.equal(reasons['invalid_number:21614'], 1, 'visible in status');
    });

    standin.faults.add({ kind: 'rate_limited', retryAfter: '5' });
    clock.advance(HOUR);

    await t.test('a later reminder to the number that opted out at Twilio: nothing sent', async (t) => {
      await settled(app, optedOutLater, 'skipped');
      t.same(await reminderOf(app, optedOutLater), { state: 'skipped', state_reason: 'opted_out' });
      t.equal(requestsTo(standin, OPTED_OUT_AT_TWILIO), 1, 'nothing more reached Twilio');
    });

    await t.test('rate limited until after its appointment: failed as expired, never sent late', async (t) => {
      await until('the first try refused', () => requestsTo(standin, TOO_LATE) === 1);
      // While it waits out Retry-After, its appointment starts.
      clock.advance(HOUR);
      await settled(app, tooLate, 'failed');
      t.same(await reminderOf(app, tooLate), { state: 'failed', state_reason: 'expired' });
      await app.reminders.wake();
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      t.equal(requestsTo(standin, TOO_LATE), 1, 'not tried again');
      t.equal(standin.countTo(TOO_LATE), 0, 'never sent');
    });

    const status = await app.reminders.status(org.orgId);
    t.match(status.reasons, {
      opted_out: 3,
      'invalid_number:21211': 1,
      'invalid_number:21614': 1,
      expired: 1,
    });
    t.equal(status.states.sent, 1, 'only the rate-limited one was sent');
  });
}
