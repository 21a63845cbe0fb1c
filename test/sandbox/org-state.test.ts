// The org emulator's state file: what the sandbox's demo org keeps across a restart.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { EmulatorStateError } from '../../service/src/salesforce/emulator/state-file.ts';
import { tempDataDir } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';
import { connect } from '../helpers/org-emulator.ts';

async function tokenRequest(org: OrgEmulator, params: Record<string, string>): Promise<Response> {
  return fetch(`${org.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(params) });
}

t.test('a restarted org has its records, counters, connected app and refresh tokens', async (t) => {
  const file = join(tempDataDir(t), 'sandbox-org', 'state.json');
  const first = new OrgEmulator({ stateFile: file, clientId: 'first-client', clientSecret: 'first-secret' });
  t.equal(first.restored, false, 'no file yet: a new org');
  await first.start();
  const demo = seedDemoClinic(first);
  const kept = first.issueSession();
  const revoked = first.issueSession();
  const revoke = await fetch(`${first.url}/services/oauth2/revoke`, {
    method: 'POST',
    body: new URLSearchParams({ token: revoked.refreshToken! }),
  });
  t.equal(revoke.status, 200);
  // A change through the API, as sync and write-backs make them.
  const appointmentId = demo.ids.get('AppointmentTomorrow')!;
  await connect(first, kept).sobject('Slotwise_Appointment__c').update({ Id: appointmentId, Status__c: 'Cancelled' });
  const before = first.records('Slotwise_Appointment__c');
  await first.close();

  t.equal(statSync(file).mode & 0o777, 0o600, 'readable by the owner only');
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, kept.refreshToken!, 'refresh tokens are kept hashed');
  t.notMatch(text, kept.accessToken, 'access tokens are not kept');

  // Options differ on purpose: the file's connected app wins, as its tokens were issued to it.
  const second = new OrgEmulator({ stateFile: file, clientId: 'other', clientSecret: 'other' });
  t.teardown(() => second.close());
  t.equal(second.restored, true);
  t.equal(second.orgId, first.orgId);
  t.equal(second.clientId, 'first-client');
  t.equal(second.clientSecret, 'first-secret');
  t.same(second.records('Slotwise_Appointment__c'), before, 'records as they were, the API change included');
  t.equal(second.record('Slotwise_Appointment__c', appointmentId)?.Status__c, 'Cancelled');

  t.ok(second.acceptsRefreshToken(kept.refreshToken!), 'the refresh token is still honoured');
  t.notOk(second.acceptsRefreshToken(revoked.refreshToken!), 'a revoked one stays revoked');
  t.notOk(second.acceptsRefreshToken('5AepNotIssuedHere'), 'an unknown one is refused');

  await second.start();
  const refresh = await tokenRequest(second, {
    grant_type: 'refresh_token',
    client_id: 'first-client',
    client_secret: 'first-secret',
    refresh_token: kept.refreshToken!,
  });
  t.equal(refresh.status, 200, 'the old refresh token gets a new access token');
  const answer = (await refresh.json()) as { access_token: string; instance_url: string };
  t.equal(answer.instance_url, second.url);
  const conn = connect(second, { accessToken: answer.access_token });
  const rows = await conn.query<{ Booking_Key__c: string }>(
    "SELECT Booking_Key__c FROM Slotwise_Appointment__c WHERE Status__c = 'Cancelled'",
  );
  t.same(
    rows.records.map((row) => row.Booking_Key__c),
    ['demo-AppointmentTomorrow'],
    'the restored data answers queries',
  );

  const stale = await tokenRequest(second, {
    grant_type: 'refresh_token',
    client_id: 'first-client',
    client_secret: 'first-secret',
    refresh_token: revoked.refreshToken!,
  });
  t.equal(stale.status, 400, 'the revoked token is refused at the endpoint too');

  // New records continue the id and auto-number sequences instead of reusing them.
  const ids = new Set(before.map((record) => record.Id));
  const created = await conn
    .sobject('Slotwise_Appointment__c')
    .create({ ...pick(before[0]!), Booking_Key__c: 'after-restart' });
  if (!created.success) throw new Error('the insert failed');
  t.notOk(ids.has(created.id), 'a fresh id');
  const names = before.map((record) => record.Name);
  t.notOk(names.includes(second.record('Slotwise_Appointment__c', created.id)!.Name), 'a fresh auto-number');
});

/** The writable fields of an appointment, to make another like it. */
function pick(record: Record<string, unknown>): Record<string, unknown> {
  const fields = ['Appointment_Type__c', 'Resource__c', 'Start__c', 'End__c', 'Time_Zone__c', 'Patient_Name__c'];
  return Object.fromEntries(fields.map((field) => [field, record[field]]));
}

t.test('changes are saved shortly after they happen, without waiting for close', async (t) => {
  const file = join(tempDataDir(t), 'state.json');
  const org = new OrgEmulator({ stateFile: file });
  t.teardown(() => org.close());
  await org.start();
  org.insert('Lead', { LastName: 'Early', Company: 'Self' });
  const saved = await waitFor('the debounced save', async () => {
    const text = (() => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    })();
    return text?.includes('"Early"') ? text : undefined;
  });
  t.match(saved, '"Early"');
  // The session's refresh token is a change too (the connection depends on it).
  const session = org.issueSession();
  const reopened = await waitFor('the token save', async () => {
    const peek = new OrgEmulator({ stateFile: file });
    return peek.acceptsRefreshToken(session.refreshToken!) ? peek : undefined;
  });
  t.ok(reopened.acceptsRefreshToken(session.refreshToken!), 'a new refresh token reaches the file');
});

t.test('opening an emulator on its state file does not write the file back', async (t) => {
  const file = join(tempDataDir(t), 'state.json');
  const org = new OrgEmulator({ stateFile: file });
  org.insert('Lead', { LastName: 'Kept', Company: 'Self' });
  await org.close();
  const before = readFileSync(file, 'utf8');
  // What a second process (or a test peeking at the file) does: open it and look.
  const peek = new OrgEmulator({ stateFile: file });
  t.ok(peek.restored);
  await new Promise((resolve) => setTimeout(resolve, 600));
  org.insert('Lead', { LastName: 'Later', Company: 'Self' });
  org.save();
  await new Promise((resolve) => setTimeout(resolve, 600));
  const after = readFileSync(file, 'utf8');
  t.not(after, before, 'the first emulator saved its change');
  t.match(after, '"Later"', 'and nothing overwrote it with what the peek had loaded');
});

t.test('a state file that is not a saved org is refused, naming the file', async (t) => {
  const dir = tempDataDir(t);
  const garbage = join(dir, 'garbage.json');
  writeFileSync(garbage, '{"version": 1, "orgId": ');
  t.throws(() => new OrgEmulator({ stateFile: garbage }), {
    name: 'EmulatorStateError',
    message: new RegExp(`${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`),
  });
  const wrongShape = join(dir, 'wrong.json');
  writeFileSync(wrongShape, JSON.stringify({ version: 1, orgId: 'not an org id' }));
  try {
    new OrgEmulator({ stateFile: wrongShape });
    t.fail('should throw');
  } catch (error) {
    t.ok(error instanceof EmulatorStateError);
    t.match((error as Error).message, `${wrongShape} is not a saved org`);
    t.match((error as Error).message, /Move it aside/);
  }
  t.equal(readFileSync(wrongShape, 'utf8'), JSON.stringify({ version: 1, orgId: 'not an org id' }), 'left as it was');
});
