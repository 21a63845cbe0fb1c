// Incremental sync of one org: changed appointments by SystemModstamp (queryAll, so deletions
// arrive as IsDeleted rows), the snapshot they are compared with, and change detection on the
// configuration objects. The job around it is plugins/sync.ts.
//
// API calls per tick: 1 (the appointment query; one more per 2,000 rows it returns) — also when
// nothing changed. On a configuration check (every `configIntervalMs`, default 5 ticks) one more
// per configuration object: 1 + 7.
//
// Late commits and the settled point. SystemModstamp is set when a transaction writes a row, but
// the row becomes visible only when the transaction commits, so a query can miss a row stamped
// before rows it does return. Assumed: a transaction commits within `overlapMs` of its stamps, and
// the service's clock (`now`) is within a small part of `overlapMs` of the org's. Then when a tick
// starts at time q, every row stamped at or before q − overlap is committed, and a query sent after
// q that returns every row stamped after `from` has read every row stamped at or before
// max(from, q − overlap). That point is stored per object as `settled`, and the next tick reads
// the rows stamped after it:
// - a late commit is still seen: a row stamped t that the tick at q could not see was not yet
//   committed, so t > q − overlap = settled, and the next tick reads it;
// - an idle tick costs 1 call: the first tick after a burst re-reads the previous tick's last
//   minute, and the next one starts past every change and returns no rows;
// - a change is read at most twice with ticks at least `overlapMs` apart (both 60 s by default): a
//   row stamped t is read by the first tick after it commits, at q ≥ t, and by a later tick only
//   when that tick's predecessor started before t + overlap; the tick after q starts at
//   q + tick ≥ t + overlap, so the one after that no longer reads it. (Faster ticks read a row
//   once per tick for up to one overlap after its commit: the window a late commit can land in.)
// State stored before `settled` existed reads from watermark − overlap once, then settles.
import { eachLimited } from '../each-limited.ts';
import { soql, SoqlFragment, soqlIdentifier } from '../salesforce/soql.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import type { Store } from '../store/store.ts';
import {
  APPOINTMENT_SYNC_FIELDS,
  deriveEvents,
  salesforceDateTime,
  snapshotOf,
  type SyncedAppointment,
} from './derive.ts';
import type { SyncEvent, SyncEventBus } from './events.ts';

export const APPOINTMENT_OBJECT = 'Slotwise_Appointment__c';

/** Appointments whose events are handled at once (each handler mostly waits on the store). */
const PUBLISH_CONCURRENCY = 8;

/** The configuration the service caches: a change to any of them publishes config_changed. */
export const CONFIG_OBJECTS = [
  'Slotwise_Appointment_Type__c',
  'Slotwise_Resource__c',
  'Slotwise_Resource_Type__c',
  'Slotwise_Availability_Rule__c',
  'Slotwise_Availability_Exception__c',
  'Slotwise_Reminder_Rule__c',
  'Slotwise_Booking_Page__c',
] as const;

/**
 * The longest a transaction may take to commit after stamping its rows (plus clock skew): a row
 * counts as settled this long after its stamp. Rows re-read inside it are skipped when they are no
 * newer than their snapshot.
 */
export const DEFAULT_OVERLAP_MS = 60_000;

export interface SyncDeps {
  store: Store;
  orgApi: OrgApi;
  bus: SyncEventBus;
  now: () => Date;
}

export interface SyncOptions {
  overlapMs?: number;
  /** Check the configuration objects when the last check is at least this old. Default 5 min. */
  configIntervalMs?: number;
}

export interface SyncResult {
  /** Rows the appointment query returned. */
  rows: number;
  events: SyncEvent[];
  configChecked: boolean;
}

type SnapshotRow = {
  appointment_id: string;
  booking_key: string | null;
  start_at: Date | null;
  end_at: Date | null;
  status: string | null;
  resource_id: string | null;
  appointment_type_id: string | null;
  time_zone: string | null;
  sms_consent: boolean | null;
  deleted: boolean;
  updated_at: Date;
};

/** What sync remembers per org and object (table org_sync_state). */
export interface ObjectSyncState {
  /** The highest SystemModstamp read. */
  watermark: Date | null;
  /** Every row stamped at or before this has been read. */
  settled: Date | null;
  /** Configuration objects: rows stamped after `settled` and up to `watermark` at the last check. */
  unsettledRows: number | null;
}

type StateRow = {
  object: string;
  watermark: Date | null;
  settled: Date | null;
  unsettled_rows: number | null;
  last_run_at: Date | null;
};

/** Whether the configuration objects are due a check: pure, the clock passed in. */
export function configCheckDue(lastChecks: readonly (Date | null)[], now: Date, intervalMs: number): boolean {
  if (lastChecks.length === 0 || lastChecks.some((at) => at === null)) return true;
  const oldest = Math.min(...lastChecks.map((at) => at!.getTime()));
  return now.getTime() - oldest >= intervalMs;
}

/**
 * Where an object's next query starts (rows stamped after it): the settled point; for state
 * stored before there was one, the watermark less the overlap; null (every row) at first.
 */
export function readFrom(state: ObjectSyncState | undefined, overlapMs: number): Date | null {
  if (state?.settled) return state.settled;
  if (state?.watermark) return new Date(state.watermark.getTime() - overlapMs);
  return null;
}

/** The settled point after a query that read every row stamped after `from`, sent after `startedAt`. */
export function settledAfter(from: Date | null, startedAt: Date, overlapMs: number): Date {
  const committed = new Date(startedAt.getTime() - overlapMs);
  return from && from.getTime() > committed.getTime() ? from : committed;
}

const later = (a: Date | null, b: Date | null): Date | null => (!a || (b && b.getTime() > a.getTime()) ? b : a);

/** The appointment query: rows stamped after `from` (all rows when null). */
export function appointmentQuery(from: Date | null): string {
  // Constant names, checked anyway: only `from` is a value, and soql makes it a literal.
  const fields = new SoqlFragment(APPOINTMENT_SYNC_FIELDS.map((name) => soqlIdentifier(name).text).join(', '));
  const object = soqlIdentifier(APPOINTMENT_OBJECT);
  if (!from) return soql`SELECT ${fields} FROM ${object} ORDER BY SystemModstamp ASC`;
  return soql`SELECT ${fields} FROM ${object} WHERE SystemModstamp > ${from} ORDER BY SystemModstamp ASC`;
}

/** A configuration object's rows stamped after `from` (all rows when null): ids and stamps only. */
export function configQuery(object: string, from: Date | null): string {
  const name = soqlIdentifier(object);
  if (!from) return soql`SELECT Id, SystemModstamp FROM ${name} ORDER BY SystemModstamp ASC`;
  return soql`SELECT Id, SystemModstamp FROM ${name} WHERE SystemModstamp > ${from} ORDER BY SystemModstamp ASC`;
}

export interface ConfigCheck {
  changed: boolean;
  next: ObjectSyncState;
}

/**
 * Whether a configuration object changed, from the stamps of its rows stamped after `from`: pure.
 * A row newer than the watermark is a change. Rows stamped after `from` and up to the watermark
 * were `unsettledRows` at the last check; stamps only grow, so with no newer row that set can only
 * have grown, by a late commit: a different count is a change too. (The snapshot of appointments
 * does this per row; configuration keeps no rows, so it counts.)
 */
export function checkConfig(
  state: ObjectSyncState | undefined,
  from: Date | null,
  stamps: readonly Date[],
  startedAt: Date,
  overlapMs: number,
): ConfigCheck {
  const watermark = state?.watermark ?? null;
  const newer = stamps.filter((stamp) => !watermark || stamp.getTime() > watermark.getTime());
  const known = stamps.length - newer.length;
  const lateCommit = state?.unsettledRows != null && known !== state.unsettledRows;
  const nextWatermark = stamps.reduce<Date | null>(later, watermark);
  const settled = settledAfter(from, startedAt, overlapMs);
  const unsettledRows = stamps.filter(
    (stamp) => stamp.getTime() > settled.getTime() && stamp.getTime() <= (nextWatermark?.getTime() ?? 0),
  ).length;
  return { changed: newer.length > 0 || lateCommit, next: { watermark: nextWatermark, settled, unsettledRows } };
}

/** One tick for one org: read changes, publish events, then store snapshots and the sync state. */
export async function syncOrg(deps: SyncDeps, orgId: string, options: SyncOptions = {}): Promise<SyncResult> {
  const overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  const configIntervalMs = options.configIntervalMs ?? 5 * 60_000;
  const stateRows = await deps.store.query<StateRow>(
    'select object, watermark, settled, unsettled_rows, last_run_at from org_sync_state where org_id = $1',
    [orgId],
  );
  const states = new Map(
    stateRows.map((row) => [
      row.object,
      { watermark: row.watermark, settled: row.settled, unsettledRows: row.unsettled_rows },
    ]),
  );
  const lastRuns = new Map(stateRows.map((row) => [row.object, row.last_run_at]));
  const nextStates = new Map<string, ObjectSyncState>();

  // Appointments: one queryAll.
  const appointmentState = states.get(APPOINTMENT_OBJECT);
  const from = readFrom(appointmentState, overlapMs);
  const startedAt = deps.now();
  const rows = await deps.orgApi.queryAll<SalesforceRecord>(orgId, appointmentQuery(from));
  const current = rows.map((row) => snapshotOf(row));
  const previous = new Map<string, SyncedAppointment>();
  if (current.length > 0) {
    const stored = await deps.store.query<SnapshotRow>(
      `select * from appointment_snapshot where org_id = $1 and appointment_id = any($2::text[])`,
      [orgId, current.map((row) => row.appointmentId)],
    );
    for (const row of stored) previous.set(row.appointment_id, fromRow(row));
  }
  const events: SyncEvent[] = [];
  const changed: SyncedAppointment[] = [];
  for (const row of current) {
    const before = previous.get(row.appointmentId);
    if (before && row.updatedAt.getTime() <= before.updatedAt.getTime()) continue;
    events.push(...deriveEvents(orgId, before, row));
    changed.push(row);
    previous.set(row.appointmentId, row);
  }
  nextStates.set(APPOINTMENT_OBJECT, {
    watermark: current.map((row) => row.updatedAt).reduce(later, appointmentState?.watermark ?? null),
    settled: settledAfter(from, startedAt, overlapMs),
    unsettledRows: null,
  });

  // Configuration: one small queryAll per object, when due.
  const configChecked = configCheckDue(
    CONFIG_OBJECTS.map((object) => lastRuns.get(object) ?? null),
    deps.now(),
    configIntervalMs,
  );
  if (configChecked) {
    const changedObjects: string[] = [];
    const checkStartedAt = deps.now();
    for (const object of CONFIG_OBJECTS) {
      const state = states.get(object);
      const since = readFrom(state, overlapMs);
      const found = await deps.orgApi.queryAll<SalesforceRecord>(orgId, configQuery(object, since));
      const stamps = found.map((row) => salesforceDateTime(row.SystemModstamp)).filter((at): at is Date => !!at);
      const check = checkConfig(state, since, stamps, checkStartedAt, overlapMs);
      nextStates.set(object, check.next);
      if (check.changed) {
        // The window read and its newest stamp: the same for a repeated tick, different for a late
        // commit under an unchanged watermark.
        changedObjects.push(`${object}>${since?.toISOString() ?? ''}@${check.next.watermark?.toISOString() ?? ''}`);
      }
    }
    if (changedObjects.length > 0) {
      events.push({
        id: `config:${orgId}:${changedObjects.join(',')}`,
        orgId,
        type: 'config_changed',
        objects: changedObjects.map((entry) => entry.slice(0, entry.indexOf('>'))),
      });
    }
  }

  // Published before the state is stored: a failure after this point repeats the events (same
  // ids) on the next tick rather than losing them. Different appointments' events are handled
  // side by side (a first sync of a busy org brings thousands); one appointment's stay in order,
  // and the configuration's come last, as they were derived.
  const byAppointment = Map.groupBy(
    events.filter((event) => event.type !== 'config_changed'),
    (event) => event.appointmentId,
  );
  await eachLimited([...byAppointment.values()], PUBLISH_CONCURRENCY, async (ordered) => {
    for (const event of ordered) await deps.bus.publish(event);
  });
  for (const event of events) if (event.type === 'config_changed') await deps.bus.publish(event);

  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    for (const row of changed) {
      await tx.query(
        `insert into appointment_snapshot
           (org_id, appointment_id, booking_key, start_at, end_at, status, resource_id, appointment_type_id,
            deleted, updated_at, time_zone, sms_consent)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (org_id, appointment_id) do update set
           booking_key = excluded.booking_key, start_at = excluded.start_at, end_at = excluded.end_at,
           status = excluded.status, resource_id = excluded.resource_id,
           appointment_type_id = excluded.appointment_type_id, deleted = excluded.deleted,
           time_zone = excluded.time_zone, sms_consent = excluded.sms_consent,
           updated_at = excluded.updated_at
         where appointment_snapshot.updated_at < excluded.updated_at`,
        [
          orgId,
          row.appointmentId,
          row.bookingKey,
          row.startAt,
          row.endAt,
          row.status,
          row.resourceId,
          row.appointmentTypeId,
          row.deleted,
          row.updatedAt,
          row.timeZone ?? null,
          row.smsConsent ?? null,
        ],
      );
    }
    for (const [object, state] of nextStates) {
      await tx.query(
        `insert into org_sync_state (org_id, object, watermark, settled, unsettled_rows, last_run_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (org_id, object) do update set
           watermark = greatest(org_sync_state.watermark, excluded.watermark),
           settled = greatest(org_sync_state.settled, excluded.settled),
           unsettled_rows = excluded.unsettled_rows, last_run_at = excluded.last_run_at`,
        [orgId, object, state.watermark, state.settled, state.unsettledRows, now],
      );
    }
    await tx.query('update org_connection set last_sync_at = $2 where org_id = $1', [orgId, now]);
  });
  return { rows: rows.length, events, configChecked };
}

function fromRow(row: SnapshotRow): SyncedAppointment {
  return {
    appointmentId: row.appointment_id,
    bookingKey: row.booking_key,
    startAt: row.start_at,
    endAt: row.end_at,
    status: row.status,
    resourceId: row.resource_id,
    appointmentTypeId: row.appointment_type_id,
    timeZone: row.time_zone,
    smsConsent: row.sms_consent === true,
    deleted: row.deleted,
    updatedAt: row.updated_at,
  };
}
