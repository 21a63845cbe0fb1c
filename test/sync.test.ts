import t, { type Test } from 'tap';
import { SYNC_QUEUE } from '../service/src/plugins/sync.ts';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { migrate } from '../service/src/store/migrate.ts';
import type { Store } from '../service/src/store/store.ts';
import { deriveEvents, snapshotOf, type SyncedAppointment } from '../service/src/sync/derive.ts';
import { SyncEventBus, type SyncEvent } from '../service/src/sync/events.ts';
import {
  APPOINTMENT_OBJECT,
  CONFIG_OBJECTS,
  appointmentQuery,
  checkConfig,
  configCheckDue,
  readFrom,
  settledAfter,
  syncOrg,
  type SyncDeps,
  type SyncOptions,
} from '../service/src/sync/sync.ts';
import type { OrgApi, SalesforceRecord } from '../service/src/salesforce/org-api.ts';
import type { OrgEmulatorOptions } from '../service/src/salesforce/emulator/server.ts';
import { Envelope } from '../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';
import { TestClock, appFor, gatewayFor, saveEmulatorConnection, startOrgEmulator } from './helpers/org-emulator.ts';
import { waitFor } from './helpers/process.ts';

t.test('event derivation is a pure function of the previous snapshot and the new row', async (t) => {
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 12, minute));
  const base: SyncedAppointment = {
    appointmentId: 'a0X000000000001AAA',
    bookingKey: 'bk',
    startAt: at(60),
    endAt: at(90),
    status: 'Scheduled',
    resourceId: 'r',
    appointmentTypeId: 't',
    deleted: false,
    updatedAt: at(0),
  };
  const next = (changes: Partial<SyncedAppointment>) => ({ ...base, updatedAt: at(1), ...changes });
  const types = (previous: SyncedAppointment | undefined, current: SyncedAppointment) =>
    deriveEvents('org', previous, current).map((event) => event.type);
  t.same(types(undefined, base), ['created']);
  t.same(types(undefined, { ...base, deleted: true }), [], 'first seen already deleted');
  t.same(types(base, next({})), [], 'touched, nothing we track changed');
  t.same(types(base, { ...base, status: 'Confirmed' }), [], 'no newer than the snapshot: a re-read');
  t.same(types(base, next({ startAt: at(120), endAt: at(150) })), ['rescheduled']);
  t.same(types(base, next({ status: 'Confirmed' })), ['status_changed']);
  t.same(types(base, next({ status: 'Cancelled' })), ['cancelled']);
  t.same(types(base, next({ status: 'Cancelled', startAt: at(5) })), ['cancelled'], 'no reschedule of a cancellation');
  t.same(types(base, next({ status: 'Confirmed', endAt: at(95) })), ['status_changed', 'rescheduled']);
  t.same(types(base, next({ deleted: true })), ['cancelled']);
  t.same(types({ ...base, status: 'Cancelled' }, next({ status: 'Cancelled', deleted: true })), []);
  t.same(types({ ...base, deleted: true }, next({})), ['created'], 'undeleted');
  const [rescheduled] = deriveEvents('org', base, next({ startAt: at(120) }));
  t.match(rescheduled, {
    id: `${base.appointmentId}:${at(1).toISOString()}:rescheduled`,
    previous: { startAt: at(60) },
  });
  t.same(snapshotOf({ Id: 'x', SystemModstamp: '2026-03-02T12:00:00.000+0000', Start__c: null, IsDeleted: true }), {
    appointmentId: 'x',
    bookingKey: null,
    startAt: null,
    endAt: null,
    status: null,
    resourceId: null,
    appointmentTypeId: null,
    deleted: true,
    updatedAt: at(0),
  });
  t.ok(configCheckDue([null], at(0), 1000));
  t.notOk(configCheckDue([at(0), at(1)], at(3), 5 * 60_000));
  t.ok(configCheckDue([at(0), at(10)], at(5), 5 * 60_000));
  t.match(appointmentQuery(at(9)), /WHERE SystemModstamp > 2026-03-02T12:09:00.000Z ORDER BY SystemModstamp ASC$/);
  t.notMatch(appointmentQuery(null), /WHERE/);
});

t.test('the settled point: where the next query starts, and what a configuration check concludes', async (t) => {
  const at = (second: number) => new Date(Date.UTC(2026, 2, 2, 12, 0, second));
  const overlap = 60_000;
  t.equal(readFrom(undefined, overlap), null, 'nothing read yet: every row');
  t.same(readFrom({ watermark: at(100), settled: null, unsettledRows: null }, overlap), at(40), 'state from before');
  t.same(readFrom({ watermark: at(100), settled: at(130), unsettledRows: null }, overlap), at(130));
  t.same(settledAfter(null, at(200), overlap), at(140), 'a tick settles what is an overlap older than its start');
  t.same(settledAfter(at(150), at(200), overlap), at(150), 'and never moves back');

  const state = { watermark: at(100), settled: at(70), unsettledRows: 2 };
  // Rows after the settled point: the two seen at the last check, no newer one.
  t.same(checkConfig(state, at(70), [at(90), at(100)], at(300), overlap), {
    changed: false,
    next: { watermark: at(100), settled: at(240), unsettledRows: 0 },
  });
  t.equal(checkConfig(state, at(70), [at(80), at(90), at(100)], at(300), overlap).changed, true, 'a late commit');
  t.equal(checkConfig(state, at(70), [at(90), at(100), at(110)], at(300), overlap).changed, true, 'a newer row');
  t.same(
    checkConfig(undefined, null, [at(10), at(250)], at(300), overlap),
    { changed: true, next: { watermark: at(250), settled: at(240), unsettledRows: 1 } },
    'the first check: any row is a change; rows after the settled point are counted',
  );
  t.equal(checkConfig(undefined, null, [], at(300), overlap).changed, false, 'an empty object');
});

/**
 * The org as a transaction still open would show it: rows written (and stamped) but hidden from
 * queries until `commit`. Every call goes to the real gateway; the Ids each query returned are kept.
 */
class UncommittedRows implements OrgApi {
  readonly #api: OrgApi;
  readonly #hidden = new Set<string>();
  /** How often each record id was returned by a query. */
  readonly reads = new Map<string, number>();
  constructor(api: OrgApi) {
    this.#api = api;
  }
  hide(id: string): void {
    this.#hidden.add(id);
  }
  commit(id: string): void {
    this.#hidden.delete(id);
  }
  #visible<T extends SalesforceRecord>(rows: T[]): T[] {
    const visible = rows.filter((row) => !this.#hidden.has(row.Id));
    for (const row of visible) this.reads.set(row.Id, (this.reads.get(row.Id) ?? 0) + 1);
    return visible;
  }
  query = async <T extends SalesforceRecord>(orgId: string, soql: string) =>
    this.#visible(await this.#api.query<T>(orgId, soql));
  queryAll = async <T extends SalesforceRecord>(orgId: string, soql: string) =>
    this.#visible(await this.#api.queryAll<T>(orgId, soql));
  create: OrgApi['create'] = (...args) => this.#api.create(...args);
  update: OrgApi['update'] = (...args) => this.#api.update(...args);
  upsert: OrgApi['upsert'] = (...args) => this.#api.upsert(...args);
  usage: OrgApi['usage'] = (orgId) => this.#api.usage(orgId);
}

async function setup(t: Test, store: Store, options: OrgEmulatorOptions = {}) {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now, ...options });
  const demo = seedDemoClinic(org, clock.now());
  await saveEmulatorConnection(store, new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')])), org);
  const events: SyncEvent[] = [];
  const bus = new SyncEventBus((error) => t.error(error));
  bus.subscribe((event) => void events.push(event));
  const orgApi = new UncommittedRows(gatewayFor(org));
  const deps: SyncDeps = { store, orgApi, bus, now: clock.now };
  /** Moves the clock (a minute by default), runs a tick; returns its events and the API calls it made. */
  const tick = async (d = deps, options: SyncOptions = {}, advanceMs = 60_000) => {
    clock.advance(advanceMs);
    const before = org.apiUsage.used;
    events.length = 0;
    const result = await syncOrg(d, org.orgId, options);
    return { events: [...events], calls: org.apiUsage.used - before, result };
  };
  return { clock, org, demo, deps, tick, events, orgApi };
}

for (const backend of BACKENDS) {
  t.test(`${backend}: sync ticks emit each change once, idle ticks cost one call`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const { org, demo, tick, clock } = await setup(t, store);
    const appointments = org.records(APPOINTMENT_OBJECT);

    const first = await tick();
    t.same(
      first.events
        .filter((e) => e.type === 'created')
        .map((e) => (e as { appointmentId: string }).appointmentId)
        .sort(),
      appointments.map((r) => r.Id).sort(),
      'the first tick loads every appointment as created',
    );
    t.match(
      first.events.find((e) => e.type === 'config_changed'),
      { objects: CONFIG_OBJECTS.filter((o) => org.records(o).length > 0) },
    );
    t.equal(first.calls, 1 + CONFIG_OBJECTS.length, 'first tick: appointments and each configuration object');

    const idle = await tick();
    t.same(idle.events, [], 'an idle tick emits nothing');
    t.equal(idle.calls, 1, 'an idle tick makes exactly one API call');
    const [snapshot] = await store.query<{ watermark: Date }>(
      'select watermark from org_sync_state where org_id = $1 and object = $2',
      [org.orgId, APPOINTMENT_OBJECT],
    );
    t.ok(snapshot!.watermark instanceof Date);

    const tomorrow = demo.ids.get('AppointmentTomorrow')!;
    const nextWeek = demo.ids.get('AppointmentNextWeek')!;
    const original = org.record(APPOINTMENT_OBJECT, tomorrow)!;
    org.update(APPOINTMENT_OBJECT, tomorrow, { Start__c: '2026-03-05T10:00:00Z', End__c: '2026-03-05T10:45:00Z' });
    const moved = await tick();
    t.equal(moved.calls, 1);
    t.equal(moved.events.length, 1);
    t.match(moved.events[0], {
      type: 'rescheduled',
      appointmentId: tomorrow,
      appointment: { startAt: new Date('2026-03-05T10:00:00Z'), bookingKey: 'demo-AppointmentTomorrow' },
      previous: { startAt: new Date(String(original.Start__c).replace('+0000', 'Z')) },
    });
    t.same((await tick()).events, [], 'the same change is not emitted twice (overlap re-read)');

    org.update(APPOINTMENT_OBJECT, tomorrow, { Status__c: 'Confirmed' });
    t.match((await tick()).events, [{ type: 'status_changed', from: 'Scheduled', to: 'Confirmed' }]);

    org.update(APPOINTMENT_OBJECT, tomorrow, { Status__c: 'Cancelled' });
    t.match((await tick()).events, [{ type: 'cancelled', reason: 'status', appointmentId: tomorrow }]);

    org.delete(APPOINTMENT_OBJECT, nextWeek);
    const deleted = await tick();
    t.equal(deleted.calls, 1, 'deletions come with the same queryAll');
    t.match(deleted.events, [{ type: 'cancelled', reason: 'deleted', appointmentId: nextWeek }]);
    t.equal(deleted.events.length, 1);

    const created = org.insert(APPOINTMENT_OBJECT, {
      Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
      Resource__c: demo.ids.get('ResourcePatelRef'),
      Start__c: '2026-03-09T09:00:00Z',
      End__c: '2026-03-09T09:30:00Z',
      Booking_Key__c: 'bk-new',
    });
    t.match((await tick()).events, [{ type: 'created', appointmentId: created.Id }]);

    // Configuration: checked every 5 minutes; a changed resource names its object.
    org.update('Slotwise_Resource__c', demo.ids.get('ResourcePatelRef')!, { Name: 'Dr Patel (locum)' });
    clock.advance(5 * 60_000);
    const config = await tick();
    t.equal(config.calls, 1 + CONFIG_OBJECTS.length);
    t.match(config.events, [{ type: 'config_changed', objects: ['Slotwise_Resource__c'] }]);
    t.equal(config.events.length, 1);
    clock.advance(5 * 60_000);
    t.same((await tick()).events, [], 'a configuration check without changes emits nothing');
  });

  t.test(`${backend}: the watermark and snapshots survive a restart`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const { org, demo, tick, deps } = await setup(t, store);
    await tick();
    // A new gateway and bus on the same store: as a restarted service would have.
    const events: SyncEvent[] = [];
    const bus = new SyncEventBus();
    bus.subscribe((event) => void events.push(event));
    const restarted = { ...deps, orgApi: gatewayFor(org), bus };
    const idle = await tick(restarted);
    t.equal(idle.calls, 1);
    t.same(events, [], 'nothing re-emitted after the restart');
    org.update(APPOINTMENT_OBJECT, demo.ids.get('AppointmentTomorrow')!, { Status__c: 'Confirmed' });
    await tick(restarted);
    t.match(events, [{ type: 'status_changed', to: 'Confirmed' }]);
  });
}

for (const backend of BACKENDS) {
  t.test(`${backend}: an appointment committed late inside the overlap is still seen`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const { org, demo, tick, clock, orgApi } = await setup(t, store);
    await tick();
    await tick();
    // T: a transaction stamps a new appointment but does not commit yet; 10 s later another
    // appointment changes and commits at once.
    const late = org.insert(APPOINTMENT_OBJECT, {
      Appointment_Type__c: demo.ids.get('TypeInitialRef'),
      Resource__c: demo.ids.get('ResourceOkaforRef'),
      Start__c: '2026-03-10T09:00:00Z',
      End__c: '2026-03-10T09:45:00Z',
      Booking_Key__c: 'bk-late',
    });
    orgApi.hide(late.Id as string);
    clock.advance(10_000);
    org.update(APPOINTMENT_OBJECT, demo.ids.get('AppointmentTomorrow')!, { Status__c: 'Confirmed' });
    const before = await tick(undefined, {}, 10_000);
    t.match(before.events, [{ type: 'status_changed' }], 'the committed change is read; the watermark passes T');
    t.notOk(before.events.some((e) => e.type === 'created'));
    clock.advance(30_000);
    orgApi.commit(late.Id as string); // 50 s after its stamp: inside the overlap
    const after = await tick(undefined, {}, 30_000);
    t.match(after.events, [{ type: 'created', appointmentId: late.Id, appointment: { bookingKey: 'bk-late' } }]);
    t.equal(after.events.length, 1);
    const settled = await tick();
    t.same(settled.events, []);
    t.equal(settled.result.rows, 0, 'once settled, nothing is read again');
    t.equal(settled.calls, 1);
  });

  t.test(`${backend}: idle ticks after a burst cost one call, and a change is read at most twice`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    // 5 rows a page, so a burst of 8 changes takes two pages, as 2,000+ do in an org.
    const { org, demo, tick, clock, orgApi } = await setup(t, store, { queryBatchSize: 5 });
    await tick();
    await tick();
    const burst: string[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advance(5_000);
      const start = new Date(Date.UTC(2026, 3, 1, 8 + i));
      const record = org.insert(APPOINTMENT_OBJECT, {
        Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
        Resource__c: demo.ids.get('ResourcePatelRef'),
        Start__c: start.toISOString(),
        End__c: new Date(start.getTime() + 30 * 60_000).toISOString(),
        Booking_Key__c: `bk-burst-${i}`,
      });
      burst.push(record.Id as string);
    }
    const noConfig: SyncOptions = { configIntervalMs: Number.POSITIVE_INFINITY };
    const busy = await tick(undefined, noConfig, 20_000);
    t.equal(busy.events.length, 8);
    t.equal(busy.calls, 2, 'the burst: two pages');
    const idle = [];
    for (let i = 0; i < 4; i++) idle.push(await tick(undefined, noConfig));
    t.same(
      idle.map((i) => i.calls),
      [2, 1, 1, 1],
      'the first idle tick re-reads the last minute once; then each idle tick is one call',
    );
    t.same(
      idle.map((i) => i.result.rows),
      [8, 0, 0, 0],
    );
    t.same(
      burst.map((id) => orgApi.reads.get(id)),
      burst.map(() => 2),
      'each change read twice: when it arrived and once more in the overlap',
    );
    t.same(
      idle.flatMap((i) => i.events),
      [],
    );
  });

  t.test(`${backend}: a configuration change committed late inside the overlap is still seen`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const { org, demo, tick, clock, orgApi } = await setup(t, store);
    const everyTick: SyncOptions = { configIntervalMs: 0 };
    await tick(undefined, everyTick);
    t.same((await tick(undefined, everyTick)).events, [], 'a check without changes emits nothing');
    const EXCEPTION = 'Slotwise_Availability_Exception__c';
    const resource = demo.ids.get('ResourcePatelRef');
    const late = org.insert(EXCEPTION, {
      Resource__c: resource,
      Kind__c: 'Closed',
      Start__c: '2026-04-06T00:00:00Z',
      End__c: '2026-04-07T00:00:00Z',
    });
    orgApi.hide(late.Id as string);
    clock.advance(10_000);
    org.insert(EXCEPTION, {
      Resource__c: resource,
      Kind__c: 'Closed',
      Start__c: '2026-04-08T00:00:00Z',
      End__c: '2026-04-09T00:00:00Z',
    });
    const first = await tick(undefined, everyTick, 10_000);
    t.match(first.events, [{ type: 'config_changed', objects: [EXCEPTION] }]);
    clock.advance(30_000);
    orgApi.commit(late.Id as string);
    // Stamped before the newest exception already seen: `SystemModstamp > watermark` would miss it.
    const second = await tick(undefined, everyTick, 30_000);
    t.match(second.events, [{ type: 'config_changed', objects: [EXCEPTION] }], 'the late commit is a change');
    t.equal(second.events.length, 1);
    t.not(second.events[0]!.id, first.events[0]!.id, 'a new event, not a repeat of the first');
    const third = await tick(undefined, everyTick);
    t.same(third.events, [], 'reported once');
    t.equal(third.calls, 1 + CONFIG_OBJECTS.length);
  });
}

t.test('the plugin runs each connected org on a tick and publishes to the bus', async (t) => {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  seedDemoClinic(org, clock.now());
  const app = await appFor(t, org);
  const events: SyncEvent[] = [];
  app.sync.bus.subscribe((event) => void events.push(event));
  await app.ready();
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  await saveEmulatorConnection(store, app.envelope, org);
  await app.sync.start(org.orgId);
  await waitFor('created events', async () =>
    events.filter((e) => e.type === 'created').length === 3 ? true : undefined,
  );
  // Events are handed over before the tick stores its state and schedules the next one.
  await waitFor('the tick finished', async () => {
    const [next] = await store.query(
      `select 1 from pgboss.job where name = $1 and singleton_key = $2 and state = 'created'`,
      [SYNC_QUEUE, org.orgId],
    );
    return next ? true : undefined;
  });
  const [connection] = await store.query<{ last_sync_at: Date | null }>('select last_sync_at from org_connection');
  t.ok(connection!.last_sync_at, 'last sync recorded for /v1/org/status');
  // The next tick is scheduled (a minute on): a second start while it waits adds no second loop.
  t.equal(await app.jobs.send(SYNC_QUEUE, { orgId: org.orgId }, { singletonKey: org.orgId }), null);
});
