// An appointment is rescheduled in the org while its reminder is being dispatched: both of Maria's
// reminders are claimed in one batch, the first send is slow at Twilio (the stand-in's slow fault),
// and the other appointment moves in that window. No message carries the old time; once sync sees
// the move, the new time's reminder is sent once. Nothing personal is logged.
import t from 'tap';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { formatAppointmentTime } from '../../service/src/sms/template.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { startStandIn } from '../sms/helpers.ts';
import { addRule, reminderApp, reminderStates, syncNow, until } from './helpers.ts';

const PHONE = '+447911123456';
const ZONE = 'Europe/London';
const DAY = 24 * 60 * 60_000;

for (const backend of BACKENDS) {
  t.test(`a reschedule during dispatch never sends the old time (${backend})`, async (t) => {
    const store = await freshStoreConfig(t, backend);
    if (!store) return;
    const org = await startOrgEmulator(t);
    const { ids } = seedDemoClinic(org);
    // Only this test's rule, so each appointment has one reminder due now.
    for (const rule of org.records('Slotwise_Reminder_Rule__c')) {
      org.update('Slotwise_Reminder_Rule__c', rule.Id as string, { Active__c: false });
    }
    addRule(org, 10 * 24 * 60, 'Hi {FirstName}, see you {Time} at {OrgName}.');
    const standin = await startStandIn(t);
    const masterKey = generateMasterKey('test-1');
    const appointments = ['AppointmentTomorrow', 'AppointmentNextWeek'].map((name) => {
      const id = ids.get(name)!;
      return { id, start: new Date(org.record('Slotwise_Appointment__c', id)!.Start__c as string) };
    });
    const timeOf = (start: Date) => formatAppointmentTime(start, ZONE);

    // Both reminders planned but held (no credits), so the next instance claims them in one batch.
    const first = await reminderApp(t, store, org, standin, { creditAllowance: 0, masterKey });
    await first.app.sync.start(org.orgId);
    await until('both reminders paused', async () => (await reminderStates(first.app)).paused === 2);
    await first.app.close();

    // The first create is answered 3 s late: the batch's second reminder waits behind it (one send
    // at a time; with several at once the same holds between a batch's chunks).
    standin.faults.add({ kind: 'slow', delayMs: 3_000 });
    const second = await reminderApp(t, store, org, standin, {
      creditAllowance: 10,
      masterKey,
      dispatch: { sendConcurrency: 1 },
    });
    await until('the first reminder at Twilio', () => standin.messages().length === 1);
    const sentFirst = appointments.find((appointment) =>
      standin.messages()[0]!.body.includes(timeOf(appointment.start)),
    );
    t.ok(sentFirst, 'the first message names its appointment time');
    const moved = appointments.find((appointment) => appointment !== sentFirst)!;
    const newStart = new Date(moved.start.getTime() + DAY);
    org.update('Slotwise_Appointment__c', moved.id, {
      Start__c: newStart.toISOString(),
      End__c: new Date(newStart.getTime() + 45 * 60_000).toISOString(),
    });

    await until('the moved reminder settled', async () => {
      const [row] = await second.app.storeConnection.store.query<{ state: string }>(
        `select state from sms_reminder
          where appointment_id = $1 and appointment_start = $2 and state not in ('planned', 'paused', 'sending')`,
        [moved.id, moved.start],
      );
      return row !== undefined;
    });
    const reasons = (await second.app.reminders.status(org.orgId)).reasons;
    t.equal(reasons.rescheduled, 1, 'the old time reminder retired at send time: rescheduled');

    // Sync sees the move and plans the new time's reminder, which goes once.
    await syncNow(second.app, org.orgId);
    const newTime = timeOf(newStart);
    await until('the new time sent', () => standin.messages().some((message) => message.body.includes(newTime)));
    await second.app.reminders.wake();
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const bodies = standin.messages().map((message) => message.body);
    t.equal(bodies.filter((body) => body.includes(timeOf(moved.start))).length, 0, 'no message carries the old time');
    t.equal(bodies.filter((body) => body.includes(newTime)).length, 1, 'the new time sent once');
    t.equal(bodies.filter((body) => body.includes(timeOf(sentFirst!.start))).length, 1, 'the other sent once');
    t.equal(standin.countTo(PHONE), 2);

    const logged = [...first.logs, ...second.logs].join('');
    for (const secret of [PHONE, '7911123456', 'Hi Maria', "O'Brien"]) {
      t.notOk(logged.includes(secret), `not logged: ${secret}`);
    }
  });
}
