import t, { type Test } from 'tap';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import type { OrgApi } from '../../service/src/salesforce/org-api.ts';
import { loadSchedule } from '../../service/src/schedule/load.ts';
import { CachedScheduleSource } from '../../service/src/schedule/source.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { SyncEventBus } from '../../service/src/sync/events.ts';
import { APPOINTMENT_OBJECT, syncOrg } from '../../service/src/sync/sync.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';
import { TestClock, appFor, gatewayFor, saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';

const MINUTE = 60_000;

async function demoOrg(t: Test) {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  const gateway = gatewayFor(org);
  /** API calls `run` makes, as the org counts them. */
  const calls = async (run: () => Promise<unknown>) => {
    const before = org.apiUsage.used;
    await run();
    return org.apiUsage.used - before;
  };
  return { clock, org, demo, gateway, calls };
}

t.test('a cold load maps the demo clinic in 7 calls, with only the Integration permission set', async (t) => {
  // The emulator answers as the integration user: every object and field read must be granted by
  // force-app's Slotwise_Integration permission set, or the query fails (INVALID_TYPE / INVALID_FIELD).
  const { clock, org, demo, gateway, calls } = await demoOrg(t);
  let loaded: Awaited<ReturnType<typeof loadSchedule>> | undefined;
  t.equal(await calls(async () => void (loaded = await loadSchedule(gateway, org.orgId, clock.now()))), 7);
  const { schedule, bookedTypes, skipped } = loaded!;
  const id = (name: string) => demo.ids.get(name)!;
  t.same(skipped, []);
  t.same(schedule.page, {
    orgId: org.orgId,
    slug: 'riverside-clinic',
    name: 'Riverside Physiotherapy Clinic',
    brandColor: '#1B5FA8',
    defaultTimeZone: 'Europe/London',
    cancellationCutoffHours: 24,
    contactMatching: 'match-or-create-lead',
    consentText: org.records('Slotwise_Booking_Page__c')[0]!.Consent_Text__c,
    consentTextVersion: '2025-11',
  });
  t.same(
    schedule.types.map((type) => type.name),
    ['Back Care Class', 'Follow-up Treatment', 'Initial Assessment'],
  );
  t.same(
    schedule.types.find((type) => type.slug === 'initial-assessment'),
    {
      id: id('TypeInitialRef'),
      name: 'Initial Assessment',
      slug: 'initial-assessment',
      description: 'A first visit: history, examination and a treatment plan. Wear comfortable clothing.',
      price: 75,
      deposit: 20,
      depositCapture: 'at_booking',
      resourceIds: [id('ResourceOkaforRef'), id('ResourcePatelRef')],
      durationMinutes: 45,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 15,
      slotIntervalMinutes: 15,
      minimumNoticeMinutes: 240,
      horizonDays: 60,
      capacity: 1,
    },
  );
  t.match(
    schedule.types.find((type) => type.slug === 'back-care-class'),
    {
      capacity: 6,
      bufferBeforeMinutes: 15,
      resourceIds: [id('ResourceStudioRef')],
      deposit: null,
    },
  );
  t.same(
    [...schedule.resources.keys()].sort(),
    [id('ResourceOkaforRef'), id('ResourcePatelRef'), id('ResourceStudioRef')].sort(),
  );
  const okafor = schedule.resources.get(id('ResourceOkaforRef'))!;
  t.equal(okafor.name, 'Dr Amara Okafor');
  t.equal(okafor.timeZone, 'Europe/London');
  t.same(
    okafor.rules.map((rule) => [rule.weekday, rule.startTime, rule.endTime]),
    [1, 2, 3, 4, 5].map((weekday) => [weekday, '09:00', '17:00']),
  );
  t.same(okafor.exceptions, [
    { kind: 'closed', start: Date.parse('2026-12-24T00:00:00Z'), end: Date.parse('2026-12-29T00:00:00Z') },
  ]);
  t.same(bookedTypes.get(id('TypeClassRef')), { bufferBeforeMinutes: 15, bufferAfterMinutes: 15, capacity: 6 });
});

t.test('defaults for empty numbers; unusable records are skipped with a reason, not fatal', async (t) => {
  const { clock, org, demo, gateway } = await demoOrg(t);
  const resource = demo.ids.get('ResourcePatelRef')!;
  const bare = org.insert('Slotwise_Appointment_Type__c', {
    Name: 'Bare',
    Slug__c: 'Bare-Type',
    Duration_Minutes__c: 20,
    Buffer_Before_Minutes__c: null,
    Buffer_After_Minutes__c: null,
    Slot_Interval_Minutes__c: null,
    Minimum_Notice_Minutes__c: null,
    Booking_Horizon_Days__c: null,
    Capacity__c: null,
    Price__c: 0,
    Public__c: true,
  });
  const hidden = org.insert('Slotwise_Appointment_Type__c', {
    Name: 'Staff only',
    Duration_Minutes__c: 30,
    Buffer_Before_Minutes__c: 5,
    Public__c: false,
  });
  const broken = org.insert('Slotwise_Appointment_Type__c', {
    Name: 'Broken',
    Duration_Minutes__c: 0,
    Public__c: true,
  });
  const mars = org.insert('Slotwise_Resource__c', {
    Name: 'Rover',
    Kind__c: 'Equipment',
    Time_Zone__c: 'Mars/Olympus',
  });
  org.insert('Slotwise_Resource__c', { Name: 'Retired', Kind__c: 'Room', Time_Zone__c: 'UTC', Active__c: false });
  const backwards = org.insert('Slotwise_Availability_Rule__c', {
    Resource__c: resource,
    Weekday__c: 'Saturday',
    Start_Time__c: '12:00:00.000Z',
    End_Time__c: '10:00:00.000Z',
  });
  org.insert('Slotwise_Availability_Rule__c', {
    Resource__c: resource,
    Weekday__c: 'Sunday',
    Start_Time__c: '18:00:00.000Z',
    End_Time__c: '00:00:00.000Z',
    Effective_From__c: '2026-03-01',
  });
  org.insert('Slotwise_Availability_Exception__c', {
    Resource__c: resource,
    Kind__c: 'Closed',
    Start__c: '2026-02-20T00:00:00Z',
    End__c: '2026-03-01T11:00:00Z', // more than a day before now (2026-03-02T12:00Z): not read
  });
  org.insert('Slotwise_Availability_Exception__c', {
    Resource__c: resource,
    Kind__c: 'Extra Hours',
    Start__c: '2026-03-01T10:00:00Z',
    End__c: '2026-03-01T14:00:00Z', // within the last day: read
  });
  const page = org.records('Slotwise_Booking_Page__c')[0]!;
  org.update('Slotwise_Booking_Page__c', page.Id as string, {
    Brand_Color__c: 'blue',
    Default_Time_Zone__c: 'Nowhere/Special',
    Cancellation_Cutoff_Hours__c: null,
    Public_Slug__c: 'Riverside-Clinic',
  });

  const { schedule, bookedTypes, skipped } = await loadSchedule(gateway, org.orgId, clock.now());
  t.same(
    schedule.types.find((type) => type.id === bare.Id),
    {
      id: bare.Id,
      name: 'Bare',
      slug: 'bare-type',
      description: '',
      price: null,
      deposit: null,
      depositCapture: 'at_booking',
      resourceIds: [],
      durationMinutes: 20,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      slotIntervalMinutes: 20,
      minimumNoticeMinutes: 0,
      horizonDays: 60,
      capacity: 1,
    },
  );
  t.notOk(
    schedule.types.some((type) => type.id === hidden.Id),
    'not public: not on the page',
  );
  t.match(bookedTypes.get(hidden.Id as string), { bufferBeforeMinutes: 5 }, 'but its appointments still take buffers');
  t.notOk(schedule.types.some((type) => type.id === broken.Id));
  t.notOk(schedule.resources.has(mars.Id as string));
  t.equal(schedule.resources.size, 3, 'inactive resources are not read');
  const patel = schedule.resources.get(resource)!;
  t.same(patel.rules.at(-1), { weekday: 7, startTime: '18:00', endTime: '24:00', effectiveFrom: '2026-03-01' });
  t.notOk(patel.rules.some((rule) => rule.weekday === 6));
  t.same(patel.exceptions, [
    { kind: 'extra', start: Date.parse('2026-03-01T10:00:00Z'), end: Date.parse('2026-03-01T14:00:00Z') },
  ]);
  t.match(schedule.page, {
    slug: 'riverside-clinic',
    brandColor: '#0B5CAB',
    defaultTimeZone: 'UTC',
    cancellationCutoffHours: 24,
  });
  t.same(
    skipped.sort(),
    [
      `Slotwise_Appointment_Type__c ${broken.Id}: Duration_Minutes__c is not a positive whole number`,
      `Slotwise_Availability_Rule__c ${backwards.Id}: End_Time__c is not after Start_Time__c`,
      `Slotwise_Booking_Page__c ${page.Id}: Brand_Color__c is not #RRGGBB; default used`,
      `Slotwise_Booking_Page__c ${page.Id}: Default_Time_Zone__c is not an IANA time zone; UTC used`,
      `Slotwise_Resource__c ${mars.Id}: Time_Zone__c is not an IANA time zone`,
    ].sort(),
  );
});

async function sourceSetup(t: Test, store: Store, ttlMs?: number) {
  await migrate(store);
  const env = await demoOrg(t);
  await saveEmulatorConnection(store, new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')])), env.org);
  const source = new CachedScheduleSource({
    store: () => store,
    orgApi: () => env.gateway,
    now: env.clock.now,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  });
  return { ...env, source };
}

for (const backend of BACKENDS) {
  t.test(`${backend}: the cache: warm is free, TTL, invalidate, single flight`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { org, clock, source, calls } = await sourceSetup(t, store, 30_000);
    t.equal(await calls(() => source.schedule(org.orgId)), 7, 'cold');
    t.equal(await calls(() => source.schedule(org.orgId)), 0, 'warm: no Salesforce call');
    clock.advance(29_000);
    t.equal(await calls(() => source.schedule(org.orgId)), 0, 'within the TTL');
    clock.advance(1_000);
    t.equal(await calls(() => source.schedule(org.orgId)), 7, 'expired: read again');
    source.invalidate(org.orgId);
    t.equal(await calls(() => source.schedule(org.orgId)), 7, 'invalidated: read again');
    source.invalidate(org.orgId);
    const concurrent = await calls(async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => source.schedule(org.orgId)));
      t.ok(
        results.every((result) => result === results[0]),
        'every caller gets the same load',
      );
    });
    t.equal(concurrent, 7, 'four concurrent misses share one load');

    // A change seen while a load is in flight: that load's answer is not cached.
    source.invalidate(org.orgId);
    const inFlight = source.schedule(org.orgId);
    org.update('Slotwise_Resource__c', [...(await inFlight).resources.keys()][0]!, { Name: 'Renamed' });
    source.invalidate(org.orgId);
    const after = await source.schedule(org.orgId);
    t.ok([...after.resources.values()].some((resource) => resource.name === 'Renamed'));
  });

  t.test(`${backend}: slug lookup`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { org, source } = await sourceSetup(t, store);
    t.equal(await source.orgIdForSlug('riverside-clinic'), null, 'not indexed before a load');
    await source.schedule(org.orgId);
    t.equal(await source.orgIdForSlug('riverside-clinic'), org.orgId);
    t.equal(await source.orgIdForSlug(' Riverside-Clinic '), org.orgId, 'case-insensitive');
    t.equal(await source.orgIdForSlug('unknown-clinic'), null);
    t.equal(await source.orgIdForSlug("x' or '1'='1"), null);
    t.equal(await source.orgIdForSlug(''), null);

    // A new address replaces the old one at the next load.
    const page = org.records('Slotwise_Booking_Page__c')[0]!;
    org.update('Slotwise_Booking_Page__c', page.Id as string, { Public_Slug__c: 'riverside-physio' });
    source.invalidate(org.orgId);
    await source.schedule(org.orgId);
    t.equal(await source.orgIdForSlug('riverside-physio'), org.orgId);
    t.equal(await source.orgIdForSlug('riverside-clinic'), null);

    // Another org cannot take the address; once the first disconnects, the slug is free.
    await store.query(
      `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext,
         api_version, connected_at) select '00D000000000002AAA', instance_url, login_host, integration_user_id,
         refresh_token_ciphertext, api_version, connected_at from org_connection where org_id = $1`,
      [org.orgId],
    );
    // A second org that reads the same emulated configuration (the emulator is one org).
    const emulated = gatewayFor(org);
    const otherApi = { query: (_orgId, soql) => emulated.query(org.orgId, soql) } as Pick<OrgApi, 'query'> as OrgApi;
    const other = new CachedScheduleSource({ store: () => store, orgApi: () => otherApi });
    await other.schedule('00D000000000002AAA');
    t.equal(await source.orgIdForSlug('riverside-physio'), org.orgId, 'first come, first served');
    await store.query('update org_connection set disconnected_at = now() where org_id = $1', [org.orgId]);
    t.equal(await source.orgIdForSlug('riverside-physio'), null, 'a disconnected org answers no page');
    other.invalidate('00D000000000002AAA');
    await other.schedule('00D000000000002AAA');
    t.equal(await other.orgIdForSlug('riverside-physio'), '00D000000000002AAA');
  });

  t.test(`${backend}: busy time from the snapshot: buffers, sessions, cancelled and deleted`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { org, demo, clock, gateway, source, calls } = await sourceSetup(t, store);
    const id = (name: string) => demo.ids.get(name)!;
    const add = (type: string, resource: string, start: string, minutes: number, extra: Record<string, unknown> = {}) =>
      org.insert(APPOINTMENT_OBJECT, {
        Appointment_Type__c: id(type),
        Resource__c: id(resource),
        Start__c: start,
        End__c: new Date(Date.parse(start) + minutes * MINUTE).toISOString(),
        ...extra,
      }).Id as string;
    add('TypeClassRef', 'ResourceStudioRef', '2026-03-04T10:00:00Z', 60, { Booking_Key__c: 'class-1' });
    add('TypeClassRef', 'ResourceStudioRef', '2026-03-04T10:00:00Z', 60, { Booking_Key__c: 'class-2' });
    add('TypeFollowUpRef', 'ResourcePatelRef', '2026-03-04T09:00:00Z', 30, { Booking_Key__c: 'patel-1' });
    add('TypeFollowUpRef', 'ResourcePatelRef', '2026-03-04T11:00:00Z', 30, { Status__c: 'Cancelled' });
    const gone = add('TypeFollowUpRef', 'ResourcePatelRef', '2026-03-04T12:00:00Z', 30);
    // Ends 5 minutes before the range, but its 10-minute buffer after reaches into it.
    add('TypeFollowUpRef', 'ResourcePatelRef', '2026-03-04T07:25:00Z', 30, { Booking_Key__c: 'edge' });
    const sync = () => syncOrg({ store, orgApi: gateway, bus: new SyncEventBus(), now: clock.now }, org.orgId);
    await sync();
    org.delete(APPOINTMENT_OBJECT, gone);
    clock.advance(MINUTE);
    await sync();

    await source.schedule(org.orgId);
    const from = Date.parse('2026-03-04T08:00:00Z');
    const to = Date.parse('2026-03-05T00:00:00Z');
    let busy: Awaited<ReturnType<typeof source.appointmentBusy>> = [];
    const cost = await calls(async () => {
      busy = await source.appointmentBusy(org.orgId, [id('ResourcePatelRef'), id('ResourceStudioRef')], from, to);
    });
    t.equal(cost, 0, 'a warm cache and the snapshot: no Salesforce call');
    const at = (iso: string) => Date.parse(iso);
    t.same(
      busy,
      [
        {
          resourceId: id('ResourcePatelRef'),
          start: at('2026-03-04T07:25:00Z'),
          end: at('2026-03-04T08:05:00Z'),
          bookingKey: 'edge',
        },
        {
          resourceId: id('ResourcePatelRef'),
          start: at('2026-03-04T09:00:00Z'),
          end: at('2026-03-04T09:40:00Z'),
          bookingKey: 'patel-1',
        },
        ...['class-1', 'class-2'].map((bookingKey) => ({
          resourceId: id('ResourceStudioRef'),
          start: at('2026-03-04T09:45:00Z'),
          end: at('2026-03-04T11:15:00Z'),
          bookingKey,
          session: { typeId: id('TypeClassRef'), start: at('2026-03-04T10:00:00Z'), seats: 1 },
        })),
      ].sort((a, b) => a.start - b.start || a.bookingKey.localeCompare(b.bookingKey)),
    );
    t.same(
      await source.appointmentBusy(org.orgId, [id('ResourceOkaforRef')], from, to),
      [],
      'another resource: the demo appointments are on other days',
    );
    t.same(await source.appointmentBusy(org.orgId, [], from, to), []);
  });
}

t.test('the plugin: config_changed invalidates, a booking page change indexes the slug', async (t) => {
  const clock = new TestClock();
  const org: OrgEmulator = await startOrgEmulator(t, { now: clock.now });
  seedDemoClinic(org, clock.now());
  const app = await appFor(t, org);
  await app.ready();
  await app.storeConnection.whenReady();
  await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  const calls = async (run: () => Promise<unknown>) => {
    const before = org.apiUsage.used;
    await run();
    return org.apiUsage.used - before;
  };
  const event = (objects: string[]) => ({
    id: `config:${objects.join()}`,
    orgId: org.orgId,
    type: 'config_changed' as const,
    objects,
  });

  t.equal(await app.schedule.orgIdForSlug('riverside-clinic'), null);
  t.equal(
    await calls(() => app.sync.bus.publish(event(['Slotwise_Booking_Page__c']))),
    7,
    'the page is loaded at once',
  );
  t.equal(await app.schedule.orgIdForSlug('riverside-clinic'), org.orgId, 'and its slug indexed');
  t.equal(await calls(() => app.schedule.schedule(org.orgId)), 0, 'warm');
  t.equal(await calls(() => app.sync.bus.publish(event(['Slotwise_Resource__c']))), 0, 'other objects: dropped only');
  t.equal(await calls(() => app.schedule.schedule(org.orgId)), 7, 'read again after the change');
});
