// `npm start` with no credentials, twice on one data folder: the demo org connects itself on the
// first start and the second start carries on with the same org, data and connection.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import { sandboxOrgStateFile } from '../../service/src/sandbox.ts';
import { openStore, type StoreConfig } from '../../service/src/store/open.ts';
import { BACKENDS, freshStoreConfig, tempDataDir } from '../helpers/backends.ts';
import { freePort, startServer, waitFor, type ServerProcess } from '../helpers/process.ts';

const EMULATOR_ORG_ID = '00D5g00000EmuLAEAZ';
const STARTUP_MS = 90_000;

function environment(store: StoreConfig, orgPort: number): Record<string, string> {
  return {
    DATA_DIR: store.dataDir,
    SANDBOX_ORG_PORT: String(orgPort),
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
  };
}

function waitForLine(server: ServerProcess, pattern: RegExp): Promise<string> {
  return waitFor(`a log line matching ${pattern}`, async () => pattern.exec(server.output())?.[0], STARTUP_MS);
}

async function stop(t: Test, server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'exits cleanly');
}

type ConnectionRow = { org_id: string; instance_url: string; connected_at: Date; last_sync_at: Date | null };

async function connections(store: StoreConfig): Promise<ConnectionRow[]> {
  const opened = await openStore(store);
  try {
    return await opened.query<ConnectionRow>(
      'select org_id, instance_url, connected_at, last_sync_at from org_connection order by org_id',
    );
  } finally {
    await opened.close();
  }
}

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

t.test('the demo org reconnects itself when its emulator moved to another port', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startServer(t, { DATA_DIR: dataDir, SANDBOX_ORG_PORT: String(await freePort()) });
  await waitForLine(first, /demo org connected/);
  await stop(t, first);
  const orgPort = await freePort();
  const second = await startServer(t, { DATA_DIR: dataDir, SANDBOX_ORG_PORT: String(orgPort) });
  await waitForLine(second, /demo org connected/);
  await stop(t, second);
  const [connection] = await connections({ dataDir });
  t.equal(connection?.instance_url, `http://127.0.0.1:${orgPort}`, 'the stored instance URL follows the port');
});

t.test('a corrupt state file stops the start with a message naming it', async (t) => {
  const dataDir = tempDataDir(t);
  const stateFile = sandboxOrgStateFile(dataDir);
  const first = await startServer(t, { DATA_DIR: dataDir });
  await waitForLine(first, /Slotwise is listening/);
  t.ok(existsSync(stateFile), 'the state file is written before the service listens');
  // Killed outright: the file written at seeding is already whole.
  first.child.kill('SIGKILL');
  await first.exited;
  writeFileSync(stateFile, '{"version": 1, "records": ');
  const second = await startServer(t, { DATA_DIR: dataDir });
  t.equal(await second.exited, 1, 'exits with an error');
  t.match(second.output(), `slotwise: the sandbox org's state file ${stateFile} is not valid JSON`);
  t.match(second.output(), /Move it aside/);
  t.notMatch(second.output(), /\n\s+at /, 'no stack trace');
});

t.test('a taken SANDBOX_ORG_PORT stops the start with a message naming the variable', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as { port: number }).port;
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), SANDBOX_ORG_PORT: String(taken) });
  t.equal(await server.exited, 1);
  t.match(server.output(), `slotwise: SANDBOX_ORG_PORT ${taken} is already in use`);
});
