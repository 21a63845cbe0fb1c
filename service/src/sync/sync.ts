// Incremental sync of one org: changed appointments by SystemModstamp watermark (queryAll, so
// deletions arrive as IsDeleted rows), the snapshot they are compared with, and change detection
// on the configuration objects. The job around it is plugins/sync.ts.
//
// API calls per tick: 1 (the appointment query; one more per 2,000 changed rows) — also when
// nothing changed. On a configuration check (every `configIntervalMs`, default 5 ticks) one more
// per configuration object: 1 + 7.
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
 * How far back each appointment query reaches before the watermark. SystemModstamp is set when a
 * transaction starts writing, so a long transaction can commit a row stamped before rows already
 * read; re-reading this window catches it, and rows no newer than their snapshot are skipped.
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
  deleted: boolean;
  updated_at: Date;
};

type StateRow = { object: string; watermark: Date | null; last_run_at: Date | null };

/** Whether the configuration objects are due a check: pure, the clock passed in. */
export function configCheckDue(lastChecks: readonly (Date | null)[], now: Date, intervalMs: number): boolean {
  if (lastChecks.length === 0 || lastChecks.some((at) => at === null)) return true;
  const oldest = Math.min(...lastChecks.map((at) => at!.getTime()));
  return now.getTime() - oldest >= intervalMs;
}

/** The appointment query for a watermark (all rows when there is none yet). */
export function appointmentQuery(watermark: Date | null, overlapMs: number): string {
  // Constant names, checked anyway: only the watermark is a value, and soql makes it a literal.
  const fields = new SoqlFragment(APPOINTMENT_SYNC_FIELDS.map((name) => soqlIdentifier(name).text).join(', '));
  const from = soqlIdentifier(APPOINTMENT_OBJECT);
  if (!watermark) return soql`SELECT ${fields} FROM ${from} ORDER BY SystemModstamp ASC`;
  const since = new Date(watermark.getTime() - overlapMs);
  return soql`SELECT ${fields} FROM ${from} WHERE SystemModstamp > ${since} ORDER BY SystemModstamp ASC`;
}

/** One tick for one org: read changes, publish events, then store snapshots and watermarks. */
export async function syncOrg(deps: SyncDeps, orgId: string, options: SyncOptions = {}): Promise<SyncResult> {
  const overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  const configIntervalMs = options.configIntervalMs ?? 5 * 60_000;
  const states = new Map(
    (
      await deps.store.query<StateRow>('select object, watermark, last_run_at from org_sync_state where org_id = $1', [
        orgId,
      ])
    ).map((row) => [row.object, row]),
  );

  // Appointments: one queryAll.
  const watermark = states.get(APPOINTMENT_OBJECT)?.watermark ?? null;
  const rows = await deps.orgApi.queryAll<SalesforceRecord>(orgId, appointmentQuery(watermark, overlapMs));
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
  const newWatermark = current.reduce<Date | null>(
    (max, row) => (!max || row.updatedAt.getTime() > max.getTime() ? row.updatedAt : max),
    watermark,
  );

  // Configuration: one small queryAll per object, when due.
  const configState = CONFIG_OBJECTS.map((object) => states.get(object));
  const configChecked = configCheckDue(
    configState.map((state) => state?.last_run_at ?? null),
    deps.now(),
    configIntervalMs,
  );
  const configWatermarks = new Map<string, Date | null>();
  if (configChecked) {
    const changedObjects: string[] = [];
    for (const object of CONFIG_OBJECTS) {
      const since = states.get(object)?.watermark ?? null;
      const from = soqlIdentifier(object);
      const query = since
        ? soql`SELECT Id, SystemModstamp FROM ${from} WHERE SystemModstamp > ${since} ORDER BY SystemModstamp DESC LIMIT 1`
        : soql`SELECT Id, SystemModstamp FROM ${from} ORDER BY SystemModstamp DESC LIMIT 1`;
      const [latest] = await deps.orgApi.queryAll<SalesforceRecord>(orgId, query);
      const stamp = latest ? salesforceDateTime(latest.SystemModstamp) : null;
      if (stamp && (!since || stamp.getTime() > since.getTime())) {
        changedObjects.push(object);
        configWatermarks.set(object, stamp);
      } else {
        configWatermarks.set(object, since);
      }
    }
    if (changedObjects.length > 0) {
      events.push({
        id: `config:${orgId}:${changedObjects.map((object) => `${object}@${configWatermarks.get(object)!.toISOString()}`).join(',')}`,
        orgId,
        type: 'config_changed',
        objects: changedObjects,
      });
    }
  }

  // Published before the state is stored: a failure after this point repeats the events (same
  // ids) on the next tick rather than losing them.
  for (const event of events) await deps.bus.publish(event);

  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    for (const row of changed) {
      await tx.query(
        `insert into appointment_snapshot
           (org_id, appointment_id, booking_key, start_at, end_at, status, resource_id, deleted, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (org_id, appointment_id) do update set
           booking_key = excluded.booking_key, start_at = excluded.start_at, end_at = excluded.end_at,
           status = excluded.status, resource_id = excluded.resource_id, deleted = excluded.deleted,
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
          row.deleted,
          row.updatedAt,
        ],
      );
    }
    const saveState = (object: string, mark: Date | null) =>
      tx.query(
        `insert into org_sync_state (org_id, object, watermark, last_run_at) values ($1, $2, $3, $4)
         on conflict (org_id, object) do update set
           watermark = greatest(org_sync_state.watermark, excluded.watermark), last_run_at = excluded.last_run_at`,
        [orgId, object, mark, now],
      );
    await saveState(APPOINTMENT_OBJECT, newWatermark);
    for (const [object, mark] of configWatermarks) await saveState(object, mark);
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
    deleted: row.deleted,
    updatedAt: row.updated_at,
  };
}
