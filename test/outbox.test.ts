import t, { type Test } from 'tap';
import { Envelope } from '../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import {
  deliverOutbox,
  enqueueWrite,
  OUTBOX_PAYLOAD_COLUMN,
  outboxDepth,
  outboxStatus,
  retryRejected,
  type OutboxDeps,
  type OutboxWrite,
} from '../service/src/outbox/outbox.ts';
import { BACKOFF_MAX_MS, nextAttemptAt, planPass } from '../service/src/outbox/plan.ts';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import type { OrgApi } from '../service/src/salesforce/org-api.ts';
import { migrate } from '../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';
import { TestClock, appFor, gatewayFor, saveEmulatorConnection, startOrgEmulator } from './helpers/org-emulator.ts';
import { waitFor } from './helpers/process.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

interface AuditEntry {
  method: string;
  key: string;
  version: unknown;
  ok: boolean;
  errorCode?: string;
}

/** Every write the outbox makes through the gateway, with its outcome. */
function audited(api: OrgApi, audit: AuditEntry[]): OrgApi {
  const record = async <R>(method: string, key: string, fields: Record<string, unknown>, run: () => Promise<R>) => {
    try {
      const result = await run();
      audit.push({ method, key, version: fields.Cancellation_Reason__c, ok: true });
      return result;
    } catch (error) {
      audit.push({
        method,
        key,
        version: fields.Cancellation_Reason__c,
        ok: false,
        errorCode: (error as { errorCode?: string }).errorCode!,
      });
      throw error;
    }
  };
  return {
    query: (orgId, soql) => api.query(orgId, soql),
    queryAll: (orgId, soql) => api.queryAll(orgId, soql),
    usage: (orgId) => api.usage(orgId),
    create: (orgId, sobject, fields) => record('create', sobject, fields, () => api.create(orgId, sobject, fields)),
    update: (orgId, sobject, id, fields) => record('update', id, fields, () => api.update(orgId, sobject, id, fields)),
    upsert: (orgId, sobject, field, value, fields) =>
      record('upsert', value, fields, () => api.upsert(orgId, sobject, field, value, fields)),
  };
}

async function setup(t: Test, backend: (typeof BACKENDS)[number]) {
  const store = await freshStore(t, backend);
  if (!store) return undefined;
  await migrate(store);
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')]));
  await saveEmulatorConnection(store, envelope, org);
  const audit: AuditEntry[] = [];
  const deps: OutboxDeps = { store, envelope, orgApi: audited(gatewayFor(org), audit), now: clock.now };
  const appointment = (key: string, version: string): OutboxWrite => ({
    orgId: org.orgId,
    sobject: APPOINTMENT,
    operation: 'upsert',
    externalIdField: 'Booking_Key__c',
    externalId: key,
    fields: {
      Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
      Resource__c: demo.ids.get('ResourcePatelRef'),
      Start__c: '2026-04-01T09:00:00Z',
      End__c: '2026-04-01T09:30:00Z',
      Patient_Name__c: 'Ada Lovelace',
      Cancellation_Reason__c: version,
    },
  });
  const enqueue = (write: OutboxWrite) => store.transaction((tx) => enqueueWrite(tx, envelope, write, clock.now()));
  return { store, clock, org, envelope, audit, deps, appointment, enqueue };
}

t.test('backoff and pass planning are pure', async (t) => {
  const now = new Date('2026-03-02T12:00:00Z');
  t.equal(nextAttemptAt(1, now).getTime() - now.getTime(), 5_000);
  t.equal(nextAttemptAt(2, now).getTime() - now.getTime(), 10_000);
  t.equal(nextAttemptAt(9, now).getTime() - now.getTime(), BACKOFF_MAX_MS, 'capped at 15 min');
  t.equal(nextAttemptAt(500, now).getTime() - now.getTime(), BACKOFF_MAX_MS);
  const w = (id: number, recordKey: string, attempts = 0, at = now) => ({ id, recordKey, attempts, nextAttemptAt: at });
  t.same(planPass([w(1, 'a'), w(2, 'b'), w(3, 'a'), w(4, 'c')], now), { kind: 'send', ids: [1, 2, 4] });
  const later = new Date(now.getTime() + 10_000);
  t.same(planPass([w(1, 'a', 2, later), w(2, 'b')], now), { kind: 'blocked', until: later });
  t.same(planPass([w(1, 'a', 2, now), w(2, 'b')], now), { kind: 'send', ids: [1, 2] }, 'backoff ran out');
  t.same(planPass([], now), { kind: 'send', ids: [] });
});

for (const backend of BACKENDS) {
  t.test(`${backend}: the org is down for an hour; afterwards every write is delivered, in order, once`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { clock, org, audit, deps, appointment, enqueue, store } = ctx;
    org.injectFault({ kind: 'unavailable', times: Infinity });
    const keys = ['bk-0', 'bk-1', 'bk-2', 'bk-3', 'bk-4'];
    // 20 writes for 5 records, queued through the hour while passes keep failing.
    let queued = 0;
    for (let minute = 0; minute < 60; minute++) {
      if (minute % 3 === 0 && queued < 20) {
        await enqueue(appointment(keys[queued % 5]!, `v${Math.floor(queued / 5)}`));
        queued++;
      }
      const pass = await deliverOutbox(deps, org.orgId);
      t.equal(pass.delivered, 0);
      t.ok(pass.retryAt, 'a pass during the outage says when to come back');
      clock.advance(60_000);
    }
    t.equal(queued, 20);
    t.equal(await outboxDepth(store, org.orgId), 20);
    const failed = audit.filter((entry) => !entry.ok);
    t.ok(failed.length > 0 && failed.length <= 15, `backoff keeps attempts low (${failed.length} in an hour)`);
    t.ok(failed.every((entry) => entry.errorCode === 'SERVER_UNAVAILABLE'));
    t.ok(
      failed.every((entry) => entry.key === 'bk-0' && entry.version === 'v0'),
      'only the oldest write was tried',
    );
    const status = await outboxStatus(store, org.orgId);
    t.equal(status.pending, 20);
    t.ok(status.oldestPendingAt);

    org.clearFaults();
    clock.advance(15 * 60_000);
    const pass = await deliverOutbox(deps, org.orgId);
    t.same(pass, { delivered: 20, rejected: 0 });
    t.equal(await outboxDepth(store, org.orgId), 0);

    const delivered = audit.filter((entry) => entry.ok);
    t.equal(delivered.length, 20, 'each write reached the org once');
    for (const key of keys) {
      t.same(
        delivered.filter((entry) => entry.key === key).map((entry) => entry.version),
        ['v0', 'v1', 'v2', 'v3'],
        `${key}: in order, each once`,
      );
    }
    const records = org.records(APPOINTMENT).filter((record) => keys.includes(String(record.Booking_Key__c)));
    t.equal(records.length, 5, 'one record per booking key');
    t.ok(
      records.every((record) => record.Cancellation_Reason__c === 'v3'),
      'the last write wins',
    );
    t.same(await deliverOutbox(deps, org.orgId), { delivered: 0, rejected: 0 }, 'nothing is sent twice');
  });

  t.test(`${backend}: a validation-rule rejection is recorded and shown; later writes still go`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { org, deps, appointment, enqueue, store, audit } = ctx;
    const first = await enqueue(appointment('bk-r', 'v0'));
    await enqueue(appointment('bk-other', 'v0'));
    org.injectFault({ kind: 'validation-rule', message: 'End must be after start.', field: 'End__c' });
    const pass = await deliverOutbox(deps, org.orgId);
    t.same(pass, { delivered: 1, rejected: 1 });
    const status = await outboxStatus(store, org.orgId);
    t.equal(status.pending, 0);
    t.equal(status.rejected, 1);
    t.equal(status.lastRejected.length, 1);
    t.match(status.lastRejected[0], {
      id: first,
      sobject: APPOINTMENT,
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION on End__c',
    });
    t.ok(status.lastRejected[0]!.at instanceof Date);
    t.equal(org.records(APPOINTMENT).filter((r) => r.Booking_Key__c === 'bk-r').length, 0);

    // The admin fixes the cause: the rejected write can go again while it is the record's latest.
    t.equal(await retryRejected(store, org.orgId, first), true);
    t.same(await deliverOutbox(deps, org.orgId), { delivered: 1, rejected: 0 });
    t.equal(org.records(APPOINTMENT).filter((r) => r.Booking_Key__c === 'bk-r').length, 1);

    // Rejected again, then a newer write for the record: it goes, and the old one may not follow it.
    org.injectFault({ kind: 'validation-rule' });
    const second = await enqueue(appointment('bk-r', 'v1'));
    await enqueue(appointment('bk-r', 'v2'));
    t.same(await deliverOutbox(deps, org.orgId), { delivered: 1, rejected: 1 });
    t.equal(org.records(APPOINTMENT).find((r) => r.Booking_Key__c === 'bk-r')!.Cancellation_Reason__c, 'v2');
    t.equal(await retryRejected(store, org.orgId, second), false, 'a newer write already went');
    t.same(
      audit.filter((e) => e.key === 'bk-r').map((e) => [e.version, e.ok]),
      [
        ['v0', false],
        ['v0', true],
        ['v1', false],
        ['v2', true],
      ],
    );
  });

  t.test(`${backend}: the payload is encrypted at rest and cleared once delivered`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { org, deps, appointment, enqueue, store, envelope } = ctx;
    const id = await enqueue(appointment('bk-secret', 'v0'));
    const [row] = await store.query<{ payload_ciphertext: Buffer }>(
      'select payload_ciphertext from org_outbox where id = $1',
      [id],
    );
    t.notOk(row!.payload_ciphertext.includes(Buffer.from('Ada Lovelace')), 'no plaintext name');
    const context = { table: OUTBOX_PAYLOAD_COLUMN.table, column: OUTBOX_PAYLOAD_COLUMN.column, rowId: String(id) };
    t.match(JSON.parse(await envelope.decryptText(row!.payload_ciphertext, context)), {
      Patient_Name__c: 'Ada Lovelace',
    });
    await t.rejects(
      envelope.decrypt(row!.payload_ciphertext, { ...context, rowId: String(id + 1) }),
      'bound to its row',
    );
    await deliverOutbox(deps, org.orgId);
    const [after] = await store.query<{ payload_ciphertext: Buffer | null; state: string }>(
      'select payload_ciphertext, state from org_outbox where id = $1',
      [id],
    );
    t.same(after, { payload_ciphertext: null, state: 'delivered' });
  });
}

t.test('the plugin delivers a queued write through the job queue', async (t) => {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  const app = await appFor(t, org);
  await app.ready();
  await app.storeConnection.whenReady();
  t.ok(
    app.encryptedColumns.some((column) => column.table === 'org_outbox'),
    'payload column under key rotation',
  );
  const store = app.storeConnection.store;
  await saveEmulatorConnection(store, app.envelope, org);
  await store.transaction((tx) =>
    app.outbox.enqueue(tx, {
      orgId: org.orgId,
      sobject: APPOINTMENT,
      operation: 'upsert',
      externalIdField: 'Booking_Key__c',
      externalId: 'bk-plugin',
      fields: {
        Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
        Resource__c: demo.ids.get('ResourcePatelRef'),
        Start__c: '2026-04-01T09:00:00Z',
        End__c: '2026-04-01T09:30:00Z',
      },
    }),
  );
  t.equal(await app.outbox.depth(org.orgId), 1);
  await app.outbox.wake(org.orgId);
  await waitFor('the write to reach the org', async () =>
    org.records(APPOINTMENT).some((r) => r.Booking_Key__c === 'bk-plugin') ? true : undefined,
  );
  await waitFor('the outbox to be empty', async () => ((await app.outbox.depth(org.orgId)) === 0 ? true : undefined));
  t.match(await app.outbox.status(org.orgId), { pending: 0, rejected: 0, oldestPendingAt: null, lastRejected: [] });
});
