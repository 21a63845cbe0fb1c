import t, { type Test } from 'tap';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { TestClock, connect, errorCodeOf, startOrgEmulator } from './helpers/org-emulator.ts';

type Row = Record<string, unknown>;

async function clinic(t: Test, options = {}) {
  const clock = new TestClock('2026-03-02T12:00:00.000Z');
  const org = await startOrgEmulator(t, { now: clock.now, ...options });
  const demo = seedDemoClinic(org, clock.now());
  return { org, clock, demo, conn: connect(org) };
}

t.test('selected fields, relationship fields and the record attributes', async (t) => {
  const { conn, demo } = await clinic(t);
  const result = await conn.query<Row>(
    `SELECT Id, Status__c, Resource__r.Name, Appointment_Type__r.Duration_Minutes__c FROM Slotwise_Appointment__c WHERE Id = '${demo.ids.get('AppointmentTomorrow')}'`,
  );
  t.equal(result.totalSize, 1);
  t.same(result.records[0], {
    attributes: {
      type: 'Slotwise_Appointment__c',
      url: `/services/data/v65.0/sobjects/Slotwise_Appointment__c/${demo.ids.get('AppointmentTomorrow')}`,
    },
    Id: demo.ids.get('AppointmentTomorrow'),
    Status__c: 'Scheduled',
    Resource__r: {
      attributes: {
        type: 'Slotwise_Resource__c',
        url: `/services/data/v65.0/sobjects/Slotwise_Resource__c/${demo.ids.get('ResourceOkaforRef')}`,
      },
      Name: 'Dr Amara Okafor',
    },
    Appointment_Type__r: {
      attributes: {
        type: 'Slotwise_Appointment_Type__c',
        url: `/services/data/v65.0/sobjects/Slotwise_Appointment_Type__c/${demo.ids.get('TypeInitialRef')}`,
      },
      Duration_Minutes__c: 45,
    },
  });
});

t.test('WHERE forms: AND/OR/NOT, comparisons, IN, LIKE, null, booleans and datetimes', async (t) => {
  const { conn } = await clinic(t);
  const names = async (where: string) =>
    (await conn.query<Row>(`SELECT Name FROM Slotwise_Appointment_Type__c WHERE ${where} ORDER BY Name`)).records.map(
      (r) => r.Name,
    );
  t.same(await names('Duration_Minutes__c > 30'), ['Back Care Class', 'Initial Assessment']);
  t.same(await names("Slug__c = 'follow-up' OR Slug__c = 'initial-assessment'"), [
    'Follow-up Treatment',
    'Initial Assessment',
  ]);
  t.same(await names("NOT Slug__c = 'follow-up' AND Price__c > 50"), ['Initial Assessment']);
  // AND binds tighter than OR, whatever order the parser hands the conditions over in.
  t.same(await names("Slug__c = 'follow-up' OR Slug__c = 'back-care-class' AND Price__c > 50"), [
    'Follow-up Treatment',
  ]);
  t.same(await names("(Slug__c = 'follow-up' OR Slug__c = 'back-care-class') AND Price__c > 50"), [
    'Follow-up Treatment',
  ]);
  t.same(await names("(Slug__c = 'follow-up' OR Slug__c = 'back-care-class') AND Price__c < 50"), ['Back Care Class']);
  t.same(await names("(Slug__c = 'follow-up' OR Slug__c = 'initial-assessment') AND Deposit__c != null"), [
    'Initial Assessment',
  ]);
  t.same(await names("Slug__c IN ('follow-up', 'nope')"), ['Follow-up Treatment']);
  t.same(await names("Slug__c NOT IN ('follow-up', 'initial-assessment')"), ['Back Care Class']);
  t.same(await names("Name LIKE 'initial%'"), ['Initial Assessment']);
  t.same(await names('Price__c <= 55'), await names('Price__c < 56'));
  const after = await conn.query<Row>('SELECT Id FROM Slotwise_Appointment__c WHERE Start__c >= 2026-03-03T00:00:00Z');
  t.equal(after.totalSize, 2);
});

t.test('quoted values through jsforce find() stay literals', async (t) => {
  const { conn } = await clinic(t);
  const found = await conn.sobject('Slotwise_Appointment__c').find<Row>({ Patient_Name__c: "Maria O'Brien" }, ['Id']);
  t.equal(found.length, 3);
  // An injection attempt is one string literal to the parser: it matches nothing instead of everything.
  const injected = await conn
    .sobject('Slotwise_Appointment__c')
    .find<Row>({ Patient_Name__c: "x' OR Name != 'y" }, ['Id']);
  t.equal(injected.length, 0);
});

t.test("jsforce's find() escapes quotes but not backslashes: a trailing backslash breaks the literal", async (t) => {
  const { conn } = await clinic(t);
  const code = await errorCodeOf(t, conn.sobject('Slotwise_Appointment__c').find({ Patient_Name__c: 'x\\' }, ['Id']));
  t.equal(code, 'MALFORMED_QUERY');
});

t.test('date literals follow the org clock', async (t) => {
  const { conn } = await clinic(t);
  const count = async (where: string) =>
    (await conn.query(`SELECT Id FROM Slotwise_Appointment__c WHERE ${where}`)).totalSize;
  t.equal(await count('Start__c = YESTERDAY'), 1);
  t.equal(await count('Start__c = TOMORROW'), 1);
  t.equal(await count('Start__c = NEXT_N_DAYS:7'), 2);
  t.equal(await count('Start__c = NEXT_N_DAYS:3'), 1);
  t.equal(await count('Start__c = LAST_N_DAYS:2'), 1);
  t.equal(await count('Start__c > TODAY'), 2);
  t.equal(await count('CreatedDate = TODAY'), 3);
});

t.test('ORDER BY with direction and nulls, LIMIT and OFFSET', async (t) => {
  const { conn } = await clinic(t);
  const byDeposit = async (order: string) =>
    (
      await conn.query<Row>(`SELECT Name FROM Slotwise_Appointment_Type__c ORDER BY Deposit__c ${order}, Name ASC`)
    ).records.map((r) => r.Name);
  // Only the initial assessment has a deposit.
  t.same(await byDeposit('DESC NULLS FIRST'), ['Back Care Class', 'Follow-up Treatment', 'Initial Assessment']);
  t.same(await byDeposit('DESC'), ['Initial Assessment', 'Back Care Class', 'Follow-up Treatment']);
  t.same(await byDeposit('ASC'), ['Back Care Class', 'Follow-up Treatment', 'Initial Assessment']);
  t.same(await byDeposit('ASC NULLS LAST'), ['Initial Assessment', 'Back Care Class', 'Follow-up Treatment']);
  const page = await conn.query<Row>(
    'SELECT Name FROM Slotwise_Availability_Rule__c ORDER BY Name DESC LIMIT 2 OFFSET 1',
  );
  const all = (await conn.query<Row>('SELECT Name FROM Slotwise_Availability_Rule__c ORDER BY Name DESC')).records.map(
    (r) => r.Name,
  );
  t.same(
    page.records.map((r) => r.Name),
    all.slice(1, 3),
  );
  t.ok(String(all[0]) > String(all[1]));
});

t.test('pagination: nextRecordsUrl, queryMore and autoFetch', async (t) => {
  const { conn, org } = await clinic(t, { queryBatchSize: 4 });
  const total = org.records('Slotwise_Availability_Rule__c').length;
  const first = await conn.query<Row>('SELECT Id FROM Slotwise_Availability_Rule__c');
  t.equal(first.records.length, 4);
  t.equal(first.done, false);
  t.match(first.nextRecordsUrl, /\/services\/data\/v65\.0\/query\/01g[0-9A-F]+-4$/);
  const second = await conn.queryMore<Row>(first.nextRecordsUrl!);
  t.equal(second.records.length, 4);
  const all = await conn.query<Row>('SELECT Id FROM Slotwise_Availability_Rule__c', {
    autoFetch: true,
    maxFetch: 1000,
  });
  t.equal(all.records.length, total);
  t.equal(new Set(all.records.map((r) => r.Id)).size, total);
});

t.test('queryAll sees deleted rows with IsDeleted = true; query does not', async (t) => {
  const { conn, org, demo } = await clinic(t);
  const id = demo.ids.get('AppointmentYesterday')!;
  org.delete('Slotwise_Appointment__c', id);
  const soql = `SELECT Id, IsDeleted FROM Slotwise_Appointment__c WHERE Id = '${id}'`;
  t.equal((await conn.query(soql)).totalSize, 0);
  const all = await conn.query<Row>(soql, { scanAll: true });
  t.same(
    all.records.map((r) => r.IsDeleted),
    [true],
  );
});
