// `npm start` with no credentials, twice on one data folder: the demo org connects itself on the
// first start and the second start carries on with the same org, data and connection.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { sandboxOrgStateFile } from '../../service/src/sandbox.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { freePort, startServer } from '../helpers/process.ts';
import { connections, EMULATOR_ORG_ID, environment, stop, waitForLine } from './server-process.ts';

/** What an admin does in the org while the service is down: cancels tomorrow's appointment. */
function cancelTomorrowInTheOrg(stateFile: string): void {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const appointment = state.records.tables.Slotwise_Appointment__c.find(
    (record: Record<string, unknown>) => record.Booking_Key__c === 'demo-AppointmentTomorrow',
  );
  const stamp = new Date().toISOString().replace('Z', '+0000');
  Object.assign(appointment, { Status__c: 'Cancelled', LastModifiedDate: stamp, SystemModstamp: stamp });
  writeFileSync(stateFile, JSON.stringify(state));
}

for (const backend of BACKENDS) {
  t.test(`${backend}: the demo org connects itself, and a restart carries on with it`, async (t) => {
    const store = await freshStoreConfig(t, backend);
    if (!store) return;
    const orgPort = await freePort();
    const stateFile = sandboxOrgStateFile(store.dataDir);

    // First start: a new demo org, connected through the connect flow without a click.
    const first = await startServer(t, environment(store, orgPort));
    await waitForLine(first, /demo org connected/);
    await waitForLine(first, /org changes synced/);
    const output = first.output();
    t.match(output, `Book at the demo clinic: https://localhost:${first.port}/book/riverside-clinic`);
    t.match(output, `Connect the demo org: https://localhost:${first.port}/connect?loginHost=127.0.0.1:${orgPort}`);
    t.match(output, /demo org emulator started with the demo clinic/);
    t.notMatch(output, /swk_[A-Za-z0-9_-]{43}/, 'the API key made on the way is not logged');
    await stop(t, first);
    t.ok(existsSync(stateFile), 'the org is saved in DATA_DIR/sandbox-org/state.json');
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    t.equal(saved.orgId, EMULATOR_ORG_ID);
    const [connected] = await connections(store);
    t.equal(connected?.org_id, EMULATOR_ORG_ID, 'the demo org is connected');
    t.equal(connected?.instance_url, `http://127.0.0.1:${orgPort}`, 'at the stable emulator port');
    t.ok(connected?.last_sync_at, 'and synced');

    // Second start: the same org from its file, the stored connection reused; the sync's first
    // call refreshes the stored refresh token with the restarted emulator, and sees the change.
    cancelTomorrowInTheOrg(stateFile);
    const second = await startServer(t, environment(store, orgPort));
    await waitForLine(second, /demo org: using its stored connection/);
    const synced = await waitForLine(second, /"events":\d+[^\n]*org changes synced/);
    t.ok(Number(/"events":(\d+)/.exec(synced)?.[1]) >= 1, 'the change made while stopped arrives');
    t.match(second.output(), /demo org emulator started from its saved state/);
    t.notMatch(second.output(), /demo org connected/, 'no new connection');
    t.notMatch(second.output(), /could not be connected/);
    await stop(t, second);

    const after = await connections(store);
    t.equal(after.length, 1, 'still one org');
    t.equal(after[0]!.org_id, EMULATOR_ORG_ID, 'the same demo org id');
    t.equal(after[0]!.connected_at.getTime(), connected!.connected_at.getTime(), 'the same connection');
    t.ok(after[0]!.last_sync_at! > connected!.last_sync_at!, 'synced again with a refreshed token');
    t.equal(JSON.parse(readFileSync(stateFile, 'utf8')).orgId, EMULATOR_ORG_ID);
  });
}
