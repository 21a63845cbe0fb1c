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
  configCheckDue,
  syncOrg,
} from '../service/src/sync/sync.ts';
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
    deleted: true,
    updatedAt: at(0),
  });
  t.ok(configCheckDue([null], at(0), 1000));
  t.notOk(configCheckDue([at(0), at(1)], at(3), 5 * 60_000));
  t.ok(configCheckDue([at(0), at(10)], at(5), 5 * 60_000));
  t.match(
    appointmentQuery(at(10), 60_000),
    /WHERE SystemModstamp > 2026-03-02T12:09:00.000Z ORDER BY SystemModstamp ASC$/,
  );
});

async function setup(t: Test, store: Store) {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  await saveEmulatorConnection(store, new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')])), org);
  const events: SyncEvent[] = [];
  const bus = new SyncEventBus((error) => t.error(error));
  bus.subscribe((event) => void events.push(event));
  const deps = { store, orgApi: gatewayFor(org), bus, now: clock.now };
  /** Moves the clock a minute, runs a tick; returns its events and the API calls it made. */
  const tick = async (d = deps) => {
    clock.advance(60_000);
    const before = org.apiUsage.used;
    events.length = 0;
    const result = await syncOrg(d, org.orgId);
    return { events: [...events], calls: org.apiUsage.used - before, result };
  };
  return { clock, org, demo, deps, tick, events };
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
  const [connection] = await store.query<{ last_sync_at: Date | null }>('select last_sync_at from org_connection');
  t.ok(connection!.last_sync_at, 'last sync recorded for /v1/org/status');
  // The next tick is scheduled (a minute on): a second start while it waits adds no second loop.
  t.equal(await app.jobs.send(SYNC_QUEUE, { orgId: org.orgId }, { singletonKey: org.orgId }), null);
});
