import t from 'tap';
import { soql, soqlIdentifier, soqlString } from '../service/src/salesforce/soql.ts';
import { connect, startOrgEmulator } from './helpers/org-emulator.ts';

t.test('values become literals', async (t) => {
  t.equal(soql`SELECT Id FROM Contact WHERE LastName = ${'Smith'}`, "SELECT Id FROM Contact WHERE LastName = 'Smith'");
  t.equal(soqlString(`a'b"c\\d\ne\rf\tg\bh\fi`), `'a\\'b\\"c\\\\d\\ne\\rf\\tg\\bh\\fi'`);
  t.equal(soql`x = ${42} AND y = ${-1.5}`, 'x = 42 AND y = -1.5');
  t.equal(soql`a = ${true} AND b = ${false} AND c = ${null}`, 'a = TRUE AND b = FALSE AND c = NULL');
  t.equal(soql`SystemModstamp > ${new Date('2026-03-02T12:00:00.123Z')}`, 'SystemModstamp > 2026-03-02T12:00:00.123Z');
  t.equal(soql`Id IN ${['a', "b'c"]}`, "Id IN ('a','b\\'c')");
  t.equal(soql`SELECT ${soqlIdentifier('Resource__r.Name')} FROM X`, 'SELECT Resource__r.Name FROM X');
});

t.test('values with no safe literal throw', async (t) => {
  const bad: unknown[] = [NaN, Infinity, undefined, {}, 10n, Symbol('x'), new Date('nope'), [], [['a']], () => 1];
  for (const value of bad) {
    t.throws(() => soql`x = ${value as string}`, TypeError, String(typeof value));
  }
});

t.test('identifiers are checked', async (t) => {
  for (const good of ['Name', 'Slotwise_Appointment__c', 'ns__Field__c', 'Owner.Name', 'Resource__r.Type__r.Name']) {
    t.equal(soqlIdentifier(good).text, good);
  }
  for (const bad of ['', 'Name,Id', 'Name FROM User', '1Field', '_x', 'Field_', 'Owner..Name', "Name'", 'Name)']) {
    t.throws(() => soqlIdentifier(bad), TypeError, bad);
  }
});

t.test("injection attempts stay inside the literal: the org's parser finds exactly that record", async (t) => {
  const org = await startOrgEmulator(t);
  const conn = connect(org);
  const hostile = [
    "O'Brien",
    "x' OR LastName != '",
    'back\\slash',
    "trailing\\' OR LastName != '",
    'double "quotes"',
    'line\nbreak\tand\rtab',
    '\\\\',
    "'",
  ];
  const ids = new Map<string, string>();
  for (const name of hostile) ids.set(name, org.insert('Contact', { LastName: name }).Id as string);
  org.insert('Contact', { LastName: 'Innocent' });
  for (const name of hostile) {
    const result = await conn.query<{ Id: string; LastName: string }>(
      soql`SELECT Id, LastName FROM Contact WHERE LastName = ${name}`,
    );
    t.same(
      result.records.map((record) => [record.Id, record.LastName]),
      [[ids.get(name), name]],
      JSON.stringify(name),
    );
  }
  const inList = await conn.query<{ Id: string }>(
    soql`SELECT Id FROM Contact WHERE LastName IN ${hostile.slice(0, 2)}`,
  );
  t.same(inList.records.map((record) => record.Id).sort(), [ids.get(hostile[0]!), ids.get(hostile[1]!)].sort());
});
