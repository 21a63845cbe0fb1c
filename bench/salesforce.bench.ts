import { Envelope } from '../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { loadConnection, saveConnection } from '../service/src/org/connections.ts';
import { deliverOutbox, enqueueWrite, type OutboxDeps, type OutboxWrite } from '../service/src/outbox/outbox.ts';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { OrgEmulator } from '../service/src/salesforce/emulator/server.ts';
import { DEFAULT_API_VERSION, JsforceGateway } from '../service/src/salesforce/gateway.ts';
import type { SalesforceRecord } from '../service/src/salesforce/org-api.ts';
import { SoqlFragment, soql, soqlIdentifier } from '../service/src/salesforce/soql.ts';
import { migrate } from '../service/src/store/migrate.ts';
import { APPOINTMENT_SYNC_FIELDS } from '../service/src/sync/derive.ts';
import { SyncEventBus } from '../service/src/sync/events.ts';
import {
  APPOINTMENT_OBJECT,
  CONFIG_OBJECTS,
  syncOrg,
  type SyncDeps,
  type SyncOptions,
} from '../service/src/sync/sync.ts';
import type { BenchBackend } from './backends.ts';
import type { Cleanup } from './cleanup.ts';
import type { BenchConfig } from './config.ts';
import type { CallCount, ResultRow } from './results.ts';

/** The service's default tick (plugins/sync.ts), and its default configuration check: every 5th tick. */
const TICK_MS = 60_000;
const IDLE_OPTIONS: SyncOptions = { configIntervalMs: 5 * TICK_MS };
/** Busy ticks leave the configuration alone, so their counts are the appointment query's alone. */
const NO_CONFIG_CHECK: SyncOptions = { configIntervalMs: Number.POSITIVE_INFINITY };
/** Salesforce's default query batch (rows per page before nextRecordsUrl); the emulator's default too. */
const QUERY_BATCH = 2000;
/** Ticks of the naive poll measured, at most. */
const NAIVE_TICKS = 3;
const REDIRECT_URI = 'https://slotwise.bench/oauth/callback';

/** The org's clock, moved by hand: the emulator stamps SystemModstamp with it, the sync reads it as now. */
class BenchClock {
  #ms: number;
  constructor(start: string) {
    this.#ms = new Date(start).getTime();
  }
  now = (): Date => new Date(this.#ms);
  advance(ms: number): void {
    this.#ms += ms;
  }
}

interface Tick {
  calls: number;
  rows: number;
  configChecked: boolean;
}

/**
 * Salesforce API calls, counted by the org emulator (every REST request under /services/data, as
 * Salesforce counts them; OAuth token requests are not API calls there and not counted here), made
 * by the real JsforceGateway over the stored connection: per incremental sync tick, idle and busy,
 * and per booking written back through the outbox, each next to a naive design measured in the
 * same run against the same org.
 */
export async function benchSalesforce(
  backend: BenchBackend,
  config: BenchConfig,
  cleanup: Cleanup,
): Promise<ResultRow[]> {
  const { store } = backend;
  await migrate(store);

  // The org: the demo clinic, then older appointments written a minute apart (so the last minute
  // before the sync's watermark holds one of them): twice the largest busy series, so that two
  // consecutive busy ticks change different appointments.
  const extra = 2 * Math.max(...config.busyChanges);
  const clock = new BenchClock('2026-03-02T12:00:00.000Z');
  const org = new OrgEmulator({ now: clock.now, queryBatchSize: QUERY_BATCH });
  await org.start();
  cleanup.add('close the org emulator', () => org.close());
  const demo = seedDemoClinic(org, clock.now());
  const type = demo.ids.get('TypeInitialRef');
  const resource = demo.ids.get('ResourceOkaforRef');
  const extraIds: string[] = [];
  for (let i = 0; i < extra; i++) {
    clock.advance(TICK_MS);
    const start = new Date(Date.UTC(2026, 5, 1, 8) + i * 30 * 60_000);
    const record = org.insert(APPOINTMENT_OBJECT, {
      Appointment_Type__c: type,
      Resource__c: resource,
      Start__c: start.toISOString(),
      End__c: new Date(start.getTime() + 30 * 60_000).toISOString(),
      Status__c: 'Scheduled',
      Patient_Name__c: `Bench Patient ${i}`,
      Booking_Key__c: `bench-seed-${i}`,
    });
    extraIds.push(record.Id as string);
  }
  const appointments = org.records(APPOINTMENT_OBJECT).length;

  // The service's own wiring: the connection stored (refresh token encrypted) and loaded by the gateway.
  const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('bench-1')]));
  await saveConnection(
    store,
    envelope,
    {
      orgId: org.orgId,
      instanceUrl: org.url,
      loginHost: new URL(org.url).host,
      integrationUserId: org.integrationUserId,
      refreshToken: org.issueSession().refreshToken!,
      apiVersion: DEFAULT_API_VERSION,
    },
    { allowLocalEmulator: true },
  );
  const gateway = new JsforceGateway({
    loadConnection: (orgId) => loadConnection(store, envelope, orgId),
    client: {
      clientId: org.clientId,
      clientSecret: org.clientSecret,
      redirectUri: REDIRECT_URI,
      loginUrlOverride: org.url,
    },
    allowLocalEmulator: true,
  });
  const orgId = org.orgId;
  const counted = async <T>(run: () => Promise<T>): Promise<{ calls: number; result: T }> => {
    const before = org.apiUsage.used;
    const result = await run();
    return { calls: org.apiUsage.used - before, result };
  };

  const row = (measure: string, calls: CallCount | undefined, note?: string, baseline?: ResultRow): ResultRow => ({
    backend: backend.name,
    measure,
    ...(calls ? { calls } : {}),
    ...(note ? { note } : {}),
    ...(baseline ? { baseline: { row: baseline, basis: 'calls' as const } } : {}),
  });
  const ticksOf = (ticks: readonly Tick[]): CallCount => ({
    samples: ticks.length,
    calls: ticks.reduce((sum, tick) => sum + tick.calls, 0),
    per: 'tick',
  });
  const rowsRead = (ticks: readonly Tick[]) => describeRows(ticks.map((tick) => tick.rows));

  // --- sync -----------------------------------------------------------------------------------------

  // The baseline: a poller without watermark or check interval re-reads everything every tick.
  const appointmentFields = new SoqlFragment(
    APPOINTMENT_SYNC_FIELDS.map((name) => soqlIdentifier(name).text).join(', '),
  );
  const naiveTick = async (): Promise<Tick> => {
    const { calls, result } = await counted(async () => {
      const rows = await gateway.queryAll<SalesforceRecord>(
        orgId,
        soql`SELECT ${appointmentFields} FROM ${soqlIdentifier(APPOINTMENT_OBJECT)}`,
      );
      for (const object of CONFIG_OBJECTS) {
        await gateway.queryAll<SalesforceRecord>(orgId, soql`SELECT Id, SystemModstamp FROM ${soqlIdentifier(object)}`);
      }
      return rows.length;
    });
    if (result !== appointments) throw new Error(`the naive poll read ${result} of ${appointments} appointments`);
    return { calls, rows: result, configChecked: true };
  };
  // Its calls do not depend on what changed, only on the org's size, which the bench keeps fixed:
  // a few ticks show that (each reads the whole org, so more would only take time).
  const naiveTicks: Tick[] = [];
  for (let i = 0; i < Math.min(config.syncTicks, NAIVE_TICKS); i++) naiveTicks.push(await naiveTick());
  const naive = row(
    `sync, naive poll: all ${appointments} appointments + ${CONFIG_OBJECTS.length} config objects every tick`,
    ticksOf(naiveTicks),
    `the baseline of the sync rows, measured in this run on the same org through the same gateway: every tick ` +
      `one queryAll of every appointment (no watermark; ${QUERY_BATCH} rows a page) and one of each of the ` +
      `${CONFIG_OBJECTS.length} configuration objects (no check interval). Its count depends only on the org's ` +
      `size: ${appointments} appointments throughout (changes update them, none are added), so ${naiveTicks.length} ` +
      `ticks are counted.`,
  );

  const bus = new SyncEventBus();
  const deps: SyncDeps = { store, orgApi: gateway, bus, now: clock.now };
  const tick = async (options: SyncOptions): Promise<Tick> => {
    const { calls, result } = await counted(() => syncOrg(deps, orgId, options));
    return { calls, rows: result.rows, configChecked: result.configChecked };
  };

  clock.advance(TICK_MS);
  const first = await tick(IDLE_OPTIONS);
  const firstRow = row(
    `sync tick, first (full load of ${appointments} appointments + config)`,
    ticksOf([first]),
    `no watermark yet: every appointment (${first.rows} rows) and every configuration object is read`,
    naive,
  );

  const idle: Tick[] = [];
  for (let i = 0; i < config.syncTicks; i++) {
    clock.advance(TICK_MS);
    idle.push(await tick(IDLE_OPTIONS));
  }
  const plain = idle.filter((t) => !t.configChecked);
  const checks = idle.filter((t) => t.configChecked);
  const rows: ResultRow[] = [naive, firstRow];
  const idleRow = (measure: string, ticks: Tick[], note: string) =>
    ticks.length > 0
      ? row(measure, ticksOf(ticks), `${note}; rows read per tick: ${rowsRead(ticks)}`, naive)
      : row(measure, undefined, 'no such tick in this run, so no count (raise BENCH_SYNC_TICKS)', naive);
  const idleNote =
    "nothing changed since the last tick; the query reads from the settled point (the previous tick's start less " +
    'the 60 s overlap), where a late commit could still land';
  const interval = IDLE_OPTIONS.configIntervalMs! / TICK_MS;
  rows.push(
    idleRow('sync tick, idle, no config check', plain, idleNote),
    idleRow(
      `sync tick, idle, config check (every ${interval}th tick)`,
      checks,
      `${idleNote}, plus one query per configuration object (${CONFIG_OBJECTS.length})`,
    ),
    idleRow(
      `sync, idle, all ${idle.length} ticks (${checks.length} with config check)`,
      idle,
      `the mean over every idle tick at the default 60 s tick and ${interval}-tick config interval; ` +
        `${((ticksOf(idle).calls / idle.length) * 1440).toFixed(0)} calls a day for an idle org at this mean`,
    ),
  );

  // Busy: `changes` appointments updated, spread evenly over each 60 s before the tick (the clock moves
  // with them), for `busyTicks` ticks; then as many idle ticks, the first of which re-reads the last
  // minute of changes (the overlap) and the rest nothing (sync/sync.ts, the settled point).
  // Each tick changes the next appointments in turn, so consecutive ticks change different ones.
  let nextChange = 0;
  for (const changes of config.busyChanges) {
    const busy: Tick[] = [];
    for (let round = 0; round < config.busyTicks; round++) {
      let moved = 0;
      for (let j = 1; j <= changes; j++) {
        const at = Math.round((j * TICK_MS) / changes);
        clock.advance(at - moved);
        moved = at;
        const id = extraIds[nextChange++ % extra]!;
        const status = org.record(APPOINTMENT_OBJECT, id)!.Status__c === 'Confirmed' ? 'Scheduled' : 'Confirmed';
        org.update(APPOINTMENT_OBJECT, id, { Status__c: status });
      }
      const result = await tick(NO_CONFIG_CHECK);
      if (result.rows < changes) throw new Error(`a busy tick read ${result.rows} rows after ${changes} changes`);
      busy.push(result);
    }
    const after: Tick[] = [];
    for (let i = 0; i < config.busyTicks; i++) {
      clock.advance(TICK_MS);
      after.push(await tick(NO_CONFIG_CHECK));
    }
    rows.push(
      row(
        `sync tick, busy: ${changes} appointments changed per tick`,
        ticksOf(busy),
        `${config.busyTicks} ticks in a row, each after ${changes} other appointments were updated, spread over ` +
          `the 60 s before it; no config check on these ticks. Rows read per tick: ${rowsRead(busy)} (the changes plus the previous ` +
          `minute's, re-read by the 60 s overlap); ${QUERY_BATCH} rows a page`,
        naive,
      ),
    );
    rows.push(
      row(
        `sync tick, idle after ${changes} changes per tick`,
        ticksOf(after),
        `${config.busyTicks} ticks with nothing changed after the busy ticks above; no config check. Rows read ` +
          `per tick: ${rowsRead(after)} (the first re-reads the last busy minute once, for late commits; later ` +
          `ones start from the settled point past it, so they read nothing and cost one call even after a ` +
          `minute of more than ${QUERY_BATCH} changes)`,
        naive,
      ),
    );
  }

  // --- bookings written back --------------------------------------------------------------------------

  const outbox: OutboxDeps = { store, envelope, orgApi: gateway, now: clock.now };
  let nextBooking = 0;
  const booking = (): { key: string; fields: Record<string, unknown> } => {
    const n = nextBooking++;
    const start = new Date(Date.UTC(2026, 8, 1, 8) + n * 30 * 60_000);
    return {
      key: `bench-booking-${n}`,
      fields: {
        Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
        Resource__c: demo.ids.get('ResourcePatelRef'),
        Start__c: start.toISOString(),
        End__c: new Date(start.getTime() + 30 * 60_000).toISOString(),
        Status__c: 'Scheduled',
        Patient_Name__c: `Bench Booker ${n}`,
        Source__c: 'Public Page',
      },
    };
  };
  const upsert = (b: { key: string; fields: Record<string, unknown> }): OutboxWrite => ({
    orgId,
    sobject: APPOINTMENT_OBJECT,
    operation: 'upsert',
    externalIdField: 'Booking_Key__c',
    externalId: b.key,
    fields: b.fields,
  });

  // The baseline: without upsert by external id, look the booking up, then create it (or update it).
  let naiveCalls = 0;
  for (let i = 0; i < config.bookings; i++) {
    const b = booking();
    const { calls } = await counted(async () => {
      const [existing] = await gateway.query<SalesforceRecord>(
        orgId,
        soql`SELECT Id FROM ${soqlIdentifier(APPOINTMENT_OBJECT)} WHERE Booking_Key__c = ${b.key} LIMIT 1`,
      );
      if (existing) await gateway.update(orgId, APPOINTMENT_OBJECT, existing.Id as string, b.fields);
      else await gateway.create(orgId, APPOINTMENT_OBJECT, { ...b.fields, Booking_Key__c: b.key });
    });
    naiveCalls += calls;
  }
  const naiveBooking = row(
    'booking write-back, naive: look up by Booking_Key__c, then create',
    { samples: config.bookings, calls: naiveCalls, per: 'booking' },
    'the baseline of the booking rows, measured in this run through the same gateway, without the outbox: a SOQL ' +
      'query for the booking key, then a create (an update had it existed); new bookings each time',
  );

  const deliver = async (expected: number) => {
    const { calls, result } = await counted(() => deliverOutbox(outbox, orgId));
    if (result.delivered !== expected || result.rejected !== 0 || result.retryAt) {
      throw new Error(`an outbox pass delivered ${JSON.stringify(result)}, expected ${expected} delivered`);
    }
    return calls;
  };
  let singleCalls = 0;
  for (let i = 0; i < config.bookings; i++) {
    const write = upsert(booking());
    await store.transaction((tx) => enqueueWrite(tx, envelope, write, clock.now()));
    singleCalls += await deliver(1);
  }
  const batch = Array.from({ length: config.bookingBatch }, () => upsert(booking()));
  await store.transaction(async (tx) => {
    for (const write of batch) await enqueueWrite(tx, envelope, write, clock.now());
  });
  const batchCalls = await deliver(config.bookingBatch);
  const delivered = org
    .records(APPOINTMENT_OBJECT)
    .filter((r) => String(r.Booking_Key__c).startsWith('bench-booking-'));
  const expected = config.bookings * 2 + config.bookingBatch;
  if (delivered.length !== expected) throw new Error(`the org holds ${delivered.length} of ${expected} bookings`);

  rows.push(
    naiveBooking,
    row(
      'booking write-back via outbox, 1 queued per pass',
      { samples: config.bookings, calls: singleCalls, per: 'booking' },
      'one appointment upsert by Booking_Key__c enqueued, then one deliverOutbox pass; reads of the outbox are ' +
        'the store, not Salesforce',
      naiveBooking,
    ),
    row(
      `booking write-back via outbox, ${config.bookingBatch} queued, one pass`,
      { samples: config.bookingBatch, calls: batchCalls, per: 'booking' },
      `${config.bookingBatch} upserts enqueued in one transaction, then one deliverOutbox pass: the outbox sends ` +
        'one call per write (it does not batch writes into composite requests)',
      naiveBooking,
    ),
  );
  return rows;
}

/** The per-tick row counts, shortened when they repeat: "1 x16" or "101, 200, 200". */
function describeRows(counts: readonly number[]): string {
  if (counts.length > 0 && counts.every((count) => count === counts[0])) {
    return counts.length === 1 ? String(counts[0]) : `${counts[0]} x${counts.length}`;
  }
  return counts.join(', ');
}
