// The demo clinic: config/demo-data (the same `sf data tree` files `npm run org:demo-data` imports
// into a scratch org), a contact, a lead, users for the staff and a few appointments around "now".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrgEmulator } from './server.ts';

const REPO_DEMO_DATA = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'demo-data');

interface PlanEntry {
  sobject: string;
  files: string[];
}

interface TreeRecord {
  attributes: { type: string; referenceId: string };
  [field: string]: unknown;
}

export interface DemoClinic {
  /** Record ids by the data tree's referenceId (`TypeInitialRef`, …) and the extra names below. */
  ids: Map<string, string>;
}

/** Loads the data tree in plan order, resolving `@Ref` values as `sf data import tree` does. */
export function loadDataTree(org: OrgEmulator, dir = REPO_DEMO_DATA): Map<string, string> {
  const ids = new Map<string, string>();
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as PlanEntry[];
  for (const entry of plan) {
    for (const file of entry.files) {
      const { records } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { records: TreeRecord[] };
      for (const { attributes, ...values } of records) {
        const resolved = Object.fromEntries(
          Object.entries(values).map(([field, value]) => {
            if (typeof value !== 'string' || !value.startsWith('@')) return [field, value];
            const id = ids.get(value.slice(1));
            if (!id) throw new Error(`${file}: unresolved reference ${value}`);
            return [field, id];
          }),
        );
        ids.set(attributes.referenceId, org.insert(entry.sobject, resolved).Id as string);
      }
    }
  }
  return ids;
}

function at(now: Date, daysFromToday: number, hourUtc: number, minute = 0): string {
  const day = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysFromToday, hourUtc, minute),
  );
  return day.toISOString();
}

/**
 * The demo clinic with a patient contact, a lead, the staff's users (`UserOkafor`, `UserPatel`) and
 * appointments yesterday, tomorrow and next week.
 */
export function seedDemoClinic(org: OrgEmulator, now: Date = new Date()): DemoClinic {
  const ids = loadDataTree(org);
  const contact = org.insert('Contact', {
    FirstName: 'Maria',
    LastName: "O'Brien",
    Email: 'maria.obrien@example.com',
    MobilePhone: '+447911123456',
  });
  const lead = org.insert('Lead', { FirstName: 'Tom', LastName: 'Hughes', Company: 'Self', Email: 'tom@example.com' });
  ids.set('ContactMaria', contact.Id as string);
  ids.set('LeadTom', lead.Id as string);
  // The staff members' users (a scratch org has its own users, so the data tree leaves User__c out):
  // staff SMS go to their mobiles. Their SMS preferences start off, as in a new org.
  const staff = [
    [
      'UserOkafor',
      'ResourceOkaforRef',
      { Name: 'Amara Okafor', Email: 'amara@example.com', MobilePhone: '+447400123456' },
    ],
    ['UserPatel', 'ResourcePatelRef', { Name: 'Sam Patel', Email: 'sam@example.com', MobilePhone: '+447400123457' }],
  ] as const;
  for (const [userRef, resourceRef, values] of staff) {
    const user = org.insert('User', values);
    org.update('Slotwise_Resource__c', ids.get(resourceRef)!, { User__c: user.Id });
    ids.set(userRef, user.Id as string);
  }
  const appointments: [string, Record<string, unknown>][] = [
    ['AppointmentYesterday', { Start__c: at(now, -1, 9), End__c: at(now, -1, 9, 45), Status__c: 'Completed' }],
    ['AppointmentTomorrow', { Start__c: at(now, 1, 10), End__c: at(now, 1, 10, 45), Status__c: 'Scheduled' }],
    ['AppointmentNextWeek', { Start__c: at(now, 7, 14), End__c: at(now, 7, 14, 30), Status__c: 'Confirmed' }],
  ];
  for (const [name, values] of appointments) {
    const appointment = org.insert('Slotwise_Appointment__c', {
      Appointment_Type__c: ids.get('TypeInitialRef'),
      Resource__c: ids.get('ResourceOkaforRef'),
      Time_Zone__c: 'Europe/London',
      Patient_Name__c: "Maria O'Brien",
      Patient_Phone__c: '+447911123456',
      Patient_Email__c: 'maria.obrien@example.com',
      SMS_Consent__c: true,
      Contact__c: contact.Id,
      Source__c: 'Public Page',
      Booking_Key__c: `demo-${name}`,
      ...values,
    });
    ids.set(name, appointment.Id as string);
  }
  return { ids };
}
