// Two instances on one PostgreSQL database dispatch 5,000 due reminders: each is sent exactly once,
// counted at the Twilio stand-in per recipient and per reminder (its dispatch key). The appointments
// are the org's (seeded straight into the emulator), planned by sync and read by the dispatchers
// from the org at send time. Neither instance logs a number, a name or a text.
import t from 'tap';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { startStandIn } from '../sms/helpers.ts';
import { addRule, reminderApp, reminderStates, until } from './helpers.ts';

const APPOINTMENTS = 5_000;
const MARIA = '+447911123456';
const MINUTE = 60_000;

/** +447911000000, +447911000001, …: distinct valid UK mobile numbers. */
const phoneOf = (i: number) => `+${447911000000 + i}`;

/** The `sent` counts of one instance's "reminders dispatched" lines. */
function sentBy(logs: readonly string[]): number {
  return logs
    .filter((line) => line.includes('reminders dispatched'))
    .reduce((sum, line) => sum + ((JSON.parse(line) as { sent?: number }).sent ?? 0), 0);
}

t.test(`two instances on one PostgreSQL database send ${APPOINTMENTS} due reminders exactly once`, async (t) => {
  const store = await freshStoreConfig(t, 'postgres');
  if (!store) return;
  const org = await startOrgEmulator(t);
  const { ids } = seedDemoClinic(org);
  // Ten days before: every appointment below is already inside it, so each reminder is due now.
  // Only this rule: the demo's own rules would plan two more reminders per appointment, not yet due.
  for (const rule of org.records('Slotwise_Reminder_Rule__c')) {
    org.update('Slotwise_Reminder_Rule__c', rule.Id as string, { Active__c: false });
  }
  const ruleId = addRule(org, 10 * 24 * 60, 'Hi {FirstName}, see you {Time} at {OrgName}.');
  const firstStart = Date.now() + 2 * 24 * 60 * MINUTE;
  for (let i = 0; i < APPOINTMENTS; i++) {
    const start = firstStart + i * MINUTE;
    org.insert('Slotwise_Appointment__c', {
      Appointment_Type__c: ids.get('TypeInitialRef'),
      Resource__c: ids.get('ResourceOkaforRef'),
      Time_Zone__c: 'Europe/London',
      Start__c: new Date(start).toISOString(),
      End__c: new Date(start + 30 * MINUTE).toISOString(),
      Status__c: 'Scheduled',
      Patient_Name__c: `Patient${i} Loadtest`,
      Patient_Phone__c: phoneOf(i),
      SMS_Consent__c: true,
    });
  }
  // Status callbacks are not under test here: none are due while the test runs.
  const standin = await startStandIn(t, { statusStepMs: 10 * MINUTE });
  const masterKey = generateMasterKey('test-1');
  // Four lanes, at most two on one instance: both instances dispatch.
  const options = {
    masterKey,
    creditAllowance: 100_000,
    ratePerSecond: 1_000,
    dispatch: { lanes: 4, instanceLanes: 2 },
  };
  const a = await reminderApp(t, store, org, standin, options);
  const b = await reminderApp(t, store, org, standin, options);

  const started = Date.now();
  await a.app.sync.start(org.orgId);
  // Maria's two demo appointments (tomorrow, next week) are reminded too.
  const expected = APPOINTMENTS + 2;
  let lastReport = Date.now();
  await until(
    `${expected} reminders sent`,
    async () => {
      const states = await reminderStates(a.app);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        t.comment(`after ${Math.round((lastReport - started) / 1000)} s: ${JSON.stringify(states)}`);
      }
      return states.sent === expected;
    },
    250_000,
  );
  t.comment(`${expected} reminders planned and sent in ${Math.round((Date.now() - started) / 1000)} s`);
  // Two more ticks of every lane on both instances: nothing further goes.
  await new Promise((resolve) => setTimeout(resolve, 5_000));

  const perRecipient = new Map<string, number>();
  for (const message of standin.messages()) perRecipient.set(message.to, (perRecipient.get(message.to) ?? 0) + 1);
  t.equal(standin.messages().length, expected, 'as many messages as reminders');
  t.equal(perRecipient.get(MARIA), 2, "Maria's two reminders, once each");
  let missing = 0;
  let duplicated = 0;
  for (let i = 0; i < APPOINTMENTS; i++) {
    const count = perRecipient.get(phoneOf(i)) ?? 0;
    if (count === 0) missing++;
    if (count > 1) duplicated++;
  }
  t.equal(missing, 0, 'no recipient missed');
  t.equal(duplicated, 0, 'no recipient texted twice');

  // Per dispatch key of the rule due now (the demo's day-before and two-hours-before rules are not
  // due yet): every reminder has exactly one accepted attempt, and its SID is at the stand-in.
  const attempts = await a.app.storeConnection.store.query<{ dispatch_key: string; n: number; sid: string }>(
    `select r.dispatch_key, count(m.id)::int8 as n, min(m.twilio_sid) as sid
       from sms_reminder r left join sms_message m on m.reminder_id = r.id and m.twilio_sid is not null
      where r.rule_id = $1
      group by r.dispatch_key`,
    [ruleId],
  );
  t.equal(attempts.length, expected, 'one reminder per dispatch key');
  t.equal(attempts.filter((row) => row.n !== 1).length, 0, 'each dispatch key sent exactly once');
  const standinSids = new Set(standin.messages().map((message) => message.sid));
  t.equal(attempts.filter((row) => !standinSids.has(row.sid)).length, 0, 'each recorded SID is a stand-in message');

  const [sentByA, sentByB] = [sentBy(a.logs), sentBy(b.logs)];
  t.equal(sentByA + sentByB, expected, 'the instances together sent each reminder once');
  t.comment(`instance A sent ${sentByA}, instance B sent ${sentByB}`);
  t.ok(sentByA > 0 && sentByB > 0, 'both instances dispatched');

  const logged = [...a.logs, ...b.logs].join('');
  t.notMatch(logged, /7911\d{6}/, 'no number logged');
  t.notMatch(logged, /Loadtest|Maria|O'Brien/, 'no name logged');
  t.notMatch(logged, /see you/, 'no text logged');
});
