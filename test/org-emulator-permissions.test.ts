import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { connect, errorCodeOf, failureOf, startOrgEmulator } from './helpers/org-emulator.ts';

const PERMISSION_SET = join(
  import.meta.dirname,
  '..',
  'force-app',
  'main',
  'default',
  'permissionsets',
  'Slotwise_Integration.permissionset-meta.xml',
);

/** A copy of the integration permission set without the grant for `field`. */
function withoutField(t: Test, field: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotwise-permset-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const original = readFileSync(PERMISSION_SET, 'utf8');
  const pattern = new RegExp(
    `\\s*<fieldPermissions>\\s*<editable>\\w+</editable>\\s*<field>${field.replace('.', '\\.')}</field>\\s*<readable>\\w+</readable>\\s*</fieldPermissions>`,
  );
  const edited = original.replace(pattern, '');
  t.not(edited, original, `the permission set grants ${field}`);
  const path = join(dir, 'Slotwise_Integration.permissionset-meta.xml');
  writeFileSync(path, edited);
  return path;
}

t.test('a field that does not exist fails as INVALID_FIELD', async (t) => {
  const org = await startOrgEmulator(t);
  const conn = connect(org);
  const failure = await failureOf(t, conn.query('SELECT Id, No_Such_Field__c FROM Slotwise_Appointment__c'));
  t.equal(failure.errorCode, 'INVALID_FIELD');
  t.match(failure.message, "No such column 'No_Such_Field__c' on entity 'Slotwise_Appointment__c'");
});

t.test('a field outside the permission set is hidden: INVALID_FIELD, in SELECT and in WHERE', async (t) => {
  const org = await startOrgEmulator(t, {
    permissionSetPath: withoutField(t, 'Slotwise_Appointment__c.Patient_Email__c'),
  });
  const conn = connect(org);
  t.equal(await errorCodeOf(t, conn.query('SELECT Patient_Email__c FROM Slotwise_Appointment__c')), 'INVALID_FIELD');
  t.equal(
    await errorCodeOf(t, conn.query("SELECT Id FROM Slotwise_Appointment__c WHERE Patient_Email__c = 'a@b.c'")),
    'INVALID_FIELD',
  );
  t.equal(await errorCodeOf(t, conn.query('SELECT Birthdate FROM Contact')), 'INVALID_FIELD');
  // Same query with the real set works, so it is the missing grant that fails it.
  const real = await startOrgEmulator(t);
  t.equal((await connect(real).query('SELECT Patient_Email__c FROM Slotwise_Appointment__c')).totalSize, 0);
});

t.test('an object outside the permission set is INVALID_TYPE', async (t) => {
  const org = await startOrgEmulator(t, { permissionSetPath: withoutObject(t, 'Slotwise_Reminder_Rule__c') });
  t.equal(await errorCodeOf(t, connect(org).query('SELECT Id FROM Slotwise_Reminder_Rule__c')), 'INVALID_TYPE');
  t.equal(await errorCodeOf(t, connect(org).query('SELECT Id FROM Account')), 'INVALID_TYPE');
});

function withoutObject(t: Test, object: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotwise-permset-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const original = readFileSync(PERMISSION_SET, 'utf8');
  const edited = original.replace(
    new RegExp(
      `\\s*<objectPermissions>(?:(?!</objectPermissions>)[\\s\\S])*<object>${object}</object>(?:(?!</objectPermissions>)[\\s\\S])*</objectPermissions>`,
    ),
    '',
  );
  t.not(edited, original);
  const path = join(dir, 'Slotwise_Integration.permissionset-meta.xml');
  writeFileSync(path, edited);
  return path;
}

t.test('contacts and leads: create yes, edit and delete no, ungranted fields no', async (t) => {
  const org = await startOrgEmulator(t);
  const conn = connect(org);
  const contact = await conn
    .sobject('Contact')
    .create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', MobilePhone: '+447700900001' });
  t.ok(contact.success);
  t.equal(org.record('Contact', contact.id!)?.Name, 'Ada Lovelace');
  const lead = await conn.sobject('Lead').create({ LastName: 'Byron', Company: 'Self', Phone: '+447700900002' });
  t.ok(lead.success);
  t.equal(await errorCodeOf(t, conn.sobject('Lead').create({ LastName: 'No Company' })), 'REQUIRED_FIELD_MISSING');
  t.equal(await errorCodeOf(t, conn.sobject('Contact').destroy(contact.id!)), 'INSUFFICIENT_ACCESS_OR_READONLY');
  t.equal(
    await errorCodeOf(t, conn.sobject('Contact').update({ Id: contact.id!, Email: 'new@example.com' })),
    'INSUFFICIENT_ACCESS_OR_READONLY',
  );
  t.equal(
    await errorCodeOf(t, conn.sobject('Contact').create({ LastName: 'X', Birthdate: '1990-01-01' })),
    'INVALID_FIELD',
  );
  t.equal(
    await errorCodeOf(
      t,
      conn.sobject('Slotwise_Resource__c').create({ Name: 'X', Kind__c: 'Room', Time_Zone__c: 'UTC' }),
    ),
    'INSUFFICIENT_ACCESS_OR_READONLY',
  );
});

t.test('a readable but read-only field cannot be written: INVALID_FIELD_FOR_INSERT_UPDATE', async (t) => {
  const org = await startOrgEmulator(t);
  const conn = connect(org);
  const failure = await failureOf(
    t,
    conn.sobject('Slotwise_Appointment__c').create({ CreatedDate: '2026-01-01T00:00:00Z' }),
  );
  t.equal(failure.errorCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');
  t.same(failure.data?.fields, ['CreatedDate']);
});

t.test('what the service reads and writes works with exactly the permission set', async (t) => {
  const org = await startOrgEmulator(t);
  const demo = seedDemoClinic(org);
  const conn = connect(org);
  // Every appointment field the set grants, plus those it cannot list (required, name, system).
  const granted = readFileSync(PERMISSION_SET, 'utf8')
    .match(/<field>Slotwise_Appointment__c\.\w+<\/field>/g)!
    .map((f) => f.slice(31, -8));
  const fields = [
    'Id',
    'Name',
    'Appointment_Type__c',
    'Resource__c',
    'Start__c',
    'End__c',
    'SystemModstamp',
    ...granted,
  ];
  const appointments = await conn.query(
    `SELECT ${fields.join(', ')}, Resource__r.Name, Appointment_Type__r.Name FROM Slotwise_Appointment__c WHERE SystemModstamp >= LAST_N_DAYS:1 ORDER BY Start__c`,
  );
  t.equal(appointments.totalSize, 3);

  const booking = {
    Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
    Resource__c: demo.ids.get('ResourcePatelRef'),
    Start__c: '2026-05-01T09:00:00Z',
    End__c: '2026-05-01T09:30:00Z',
    Patient_Name__c: 'Jo Bloggs',
    Patient_Phone__c: '+447700900003',
    SMS_Consent__c: true,
    Source__c: 'Public Page',
    Payment_Status__c: 'Pending',
  };
  const created = await conn
    .sobject('Slotwise_Appointment__c')
    .upsert({ ...booking, Booking_Key__c: 'bk-1' }, 'Booking_Key__c');
  t.ok(created.success);
  const sms = await conn.sobject('Slotwise_SMS_Message__c').create({
    Appointment__c: created.id,
    Direction__c: 'Outbound',
    Masked_Number__c: '+44•••••••003',
    Status__c: 'Queued',
    Twilio_SID__c: 'SM00000000000000000000000000000001',
    Segments__c: 1,
  });
  t.ok(sms.success);
  const delivered = await conn
    .sobject('Slotwise_SMS_Message__c')
    .upsert({ Twilio_SID__c: 'SM00000000000000000000000000000001', Status__c: 'Delivered' }, 'Twilio_SID__c');
  t.equal(delivered.id, sms.id);
  t.equal(org.record('Slotwise_SMS_Message__c', sms.id!)?.Status__c, 'Delivered');

  for (const soql of [
    'SELECT Id, Name, Duration_Minutes__c, Buffer_Before_Minutes__c, Buffer_After_Minutes__c, Slot_Interval_Minutes__c, Minimum_Notice_Minutes__c, Booking_Horizon_Days__c, Capacity__c, Price__c, Deposit__c, Deposit_Capture__c, Active__c, Public__c, Slug__c, Description__c FROM Slotwise_Appointment_Type__c',
    'SELECT Id, Name, Kind__c, User__c, Time_Zone__c, Active__c FROM Slotwise_Resource__c',
    'SELECT Id, Resource__c, Appointment_Type__c FROM Slotwise_Resource_Type__c',
    'SELECT Id, Resource__c, Weekday__c, Start_Time__c, End_Time__c, Effective_From__c, Effective_To__c FROM Slotwise_Availability_Rule__c',
    'SELECT Id, Resource__c, Start__c, End__c, Kind__c, Reason__c FROM Slotwise_Availability_Exception__c',
    'SELECT Id, Name, Audience__c, Offset_Minutes__c, Template__c, Active__c, Appointment_Type__c, If_Past__c FROM Slotwise_Reminder_Rule__c',
    'SELECT Id, Name, Singleton__c, Public_Slug__c, Brand_Color__c, Consent_Text__c, Consent_Text_Version__c, Quiet_Hours_Start__c, Quiet_Hours_End__c, Default_Time_Zone__c, Contact_Matching__c, Cancellation_Cutoff_Hours__c FROM Slotwise_Booking_Page__c',
    "SELECT Id, Name, Email, Phone, MobilePhone FROM Contact WHERE Email = 'maria.obrien@example.com'",
    'SELECT Id, Name, Email, Phone, MobilePhone FROM Lead',
  ]) {
    const result = await conn.query(soql);
    t.ok(result.totalSize > 0, soql.slice(0, 60));
  }
});
