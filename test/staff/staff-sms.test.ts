// Staff SMS end to end, with the org emulator as the org and the Twilio stand-in as Twilio: a new
// booking alerts the staff member who asked for it and nobody else; the agenda goes once, at the
// chosen local time, listing that day's appointments; a staff-audience reminder rule reaches the
// staff member's mobile. Numbers and texts never reach the log.
import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { DaytimeClock, DEMO_ZONE, reminderApp, syncNow, until } from '../reminders/helpers.ts';
import { startStandIn } from '../sms/helpers.ts';

const OKAFOR = '+447400123456';
const PATEL = '+447400123457';
const HOUR = 3_600_000;

/** `hour`:`minute` in London, `days` after the clock's day. */
function londonTime(clock: DaytimeClock, days: number, hour: number, minute = 0): Date {
  const today = Temporal.Instant.fromEpochMilliseconds(clock.now().getTime()).toZonedDateTimeISO(DEMO_ZONE);
  const at = today.toPlainDate().add({ days }).toZonedDateTime({ timeZone: DEMO_ZONE, plainTime: { hour, minute } });
  return new Date(at.epochMilliseconds);
}

function book(org: OrgEmulator, ids: Map<string, string>, resourceRef: string, patient: string, start: Date): string {
  const appointment = org.insert('Slotwise_Appointment__c', {
    Appointment_Type__c: ids.get('TypeInitialRef'),
    Resource__c: ids.get(resourceRef),
    Start__c: start.toISOString(),
    End__c: new Date(start.getTime() + HOUR).toISOString(),
    Status__c: 'Scheduled',
    Time_Zone__c: DEMO_ZONE,
    Patient_Name__c: patient,
    SMS_Consent__c: false,
  });
  return appointment.Id as string;
}

for (const backend of BACKENDS) {
  t.test(`staff SMS: alerts per preference, one agenda at 07:30, staff reminders (${backend})`, async (t) => {
    const store = await freshStoreConfig(t, backend);
    if (!store) return;
    const org = await startOrgEmulator(t);
    const clock = new DaytimeClock();
    const { ids } = seedDemoClinic(org, clock.now());
    org.update('Slotwise_Resource__c', ids.get('ResourceOkaforRef')!, {
      Agenda_SMS_Time__c: '07:30:00.000Z',
      Alert_New__c: true,
    });
    // Sam Patel wants cancellations only.
    org.update('Slotwise_Resource__c', ids.get('ResourcePatelRef')!, { Alert_Cancelled__c: true });
    org.insert('Slotwise_Reminder_Rule__c', {
      Name: 'Staff - 3 days before',
      Active__c: true,
      Audience__c: 'Staff',
      Offset_Minutes__c: 3 * 24 * 60,
      Template__c: 'Staff reminder: {FirstName}, {Type} at {Time}',
      If_Past__c: 'Send Now',
    });
    const standin = await startStandIn(t);
    const { app, logs } = await reminderApp(t, store, org, standin, { masterKey: generateMasterKey('test-1'), clock });
    const to = (number: string, prefix: string) =>
      standin.messages().filter((m) => m.to === number && m.body.startsWith(prefix));

    // The first sync reads the org's history: nobody is alerted of it.
    await syncNow(app, org.orgId);
    await app.staffSms.wake();
    await until('the agenda planned', async () => {
      const rows = await app.storeConnection.store.query(`select 1 from staff_sms where kind = 'agenda'`);
      return rows.length === 1;
    });
    const [planned] = await app.storeConnection.store.query<{ send_at: Date }>(
      `select send_at from staff_sms where kind = 'agenda'`,
    );
    t.same(planned!.send_at, londonTime(clock, 1, 7, 30), "tomorrow at 07:30 in London (today's has passed)");
    t.equal(to(OKAFOR, 'New booking').length, 0, 'no alerts for existing appointments');

    // New bookings tomorrow afternoon, one with each.
    book(org, ids, 'ResourceOkaforRef', 'Jane Smith', londonTime(clock, 1, 14));
    book(org, ids, 'ResourcePatelRef', 'Ravi Kumar', londonTime(clock, 1, 15));
    await syncNow(app, org.orgId);
    await until('Dr Okafor alerted', () => to(OKAFOR, 'New booking').length === 1);
    t.match(
      to(OKAFOR, 'New booking')[0]!.body,
      /^New booking: Initial Assessment, Jane, \w{3} \d+ \w{3}, 2:00 PM (BST|GMT)\.$/,
    );

    // The staff-audience rule reaches the staff members' mobiles (Okafor: tomorrow's two; Patel: his one).
    await until(
      'staff reminders sent',
      () => to(OKAFOR, 'Staff reminder').length === 2 && to(PATEL, 'Staff reminder').length === 1,
    );
    t.match(to(PATEL, 'Staff reminder')[0]!.body, /^Staff reminder: Ravi, Initial Assessment at /);

    // Tomorrow 07:31 in London: the agenda goes once, with tomorrow's appointments.
    t.equal(to(OKAFOR, 'Agenda').length, 0, 'not before its time');
    clock.advance(londonTime(clock, 1, 7, 31).getTime() - clock.now().getTime());
    await until('the agenda sent', () => to(OKAFOR, 'Agenda').length === 1);
    const agenda = to(OKAFOR, 'Agenda')[0]!.body.split('\n');
    t.match(agenda[0], /^Agenda \w{3} \d+ \w{3} \((BST|GMT)\): 2 appointments$/);
    t.match(agenda.slice(1), [/^\d+:00 AM Initial Assessment, Maria$/, /^2:00 PM Initial Assessment, Jane$/]);

    // Further passes, and a replan, send nothing more.
    await app.staffSms.wake();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    t.equal(to(OKAFOR, 'Agenda').length, 1, 'exactly one agenda');
    t.equal(to(OKAFOR, 'New booking').length, 1, 'exactly one alert');
    t.equal(
      standin.messages().filter((m) => m.to === PATEL && !m.body.startsWith('Staff reminder')).length,
      0,
      'Sam Patel asked for no alert of new bookings',
    );

    const [message] = await app.storeConnection.store.query<{ body_ciphertext: Buffer | null }>(
      `select body_ciphertext from sms_message where kind = 'agenda'`,
    );
    t.equal(message?.body_ciphertext, null, 'the text is not kept once sent');
    const logged = logs.join('');
    t.match(logged, /staff SMS dispatched/);
    for (const secret of [OKAFOR, PATEL, '7400123456', 'Jane', 'Ravi', 'Maria', 'Agenda'])
      t.notOk(logged.includes(secret), `not logged: ${secret}`);
  });
}
