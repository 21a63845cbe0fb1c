// ScheduleSource over the gateway and the store: each org's configuration cached for a short TTL
// (so a slot request with a warm cache makes no Salesforce call), one load at a time per org, the
// slug index kept current by every load, and busy time from the appointment snapshot sync keeps.
import type { BusyInterval, EpochMs } from '../availability/types.ts';
import type { OrgApi } from '../salesforce/org-api.ts';
import type { Store } from '../store/store.ts';
import { CANCELLED } from '../sync/derive.ts';
import { loadSchedule, type LoadedSchedule } from './load.ts';
import type { OrgSchedule, ScheduleSource } from './types.ts';

export const DEFAULT_SCHEDULE_TTL_MS = 60_000;

const MINUTE_MS = 60_000;
const SLUG = /^[a-z0-9-]{1,80}$/;

export interface ScheduleSourceOptions {
  /** Functions: the store and gateway may be built after the source. */
  store: () => Store;
  orgApi: () => OrgApi;
  /** How long a loaded configuration is used before it is read again. Default 60 s. */
  ttlMs?: number;
  now?: () => Date;
  log?: { warn: (object: object, message: string) => void };
}

interface CacheEntry {
  loaded: LoadedSchedule;
  expiresAt: number;
}

type SnapshotRow = {
  booking_key: string | null;
  start_at: Date;
  end_at: Date;
  resource_id: string;
  appointment_type_id: string | null;
};

export class CachedScheduleSource implements ScheduleSource {
  readonly #options: ScheduleSourceOptions;
  readonly #ttlMs: number;
  readonly #now: () => Date;
  readonly #cache = new Map<string, CacheEntry>();
  /** The load in flight per org: concurrent misses wait for it instead of starting their own. */
  readonly #loading = new Map<string, Promise<LoadedSchedule>>();
  /** Bumped by `invalidate`: a load that started before keeps its answer out of the cache. */
  readonly #generation = new Map<string, number>();

  constructor(options: ScheduleSourceOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? DEFAULT_SCHEDULE_TTL_MS;
    this.#now = options.now ?? (() => new Date());
  }

  async orgIdForSlug(slug: string): Promise<string | null> {
    const wanted = slug.trim().toLowerCase();
    if (!SLUG.test(wanted)) return null;
    const [row] = await this.#options.store().query<{ org_id: string }>(
      `select s.org_id from booking_page_slug s join org_connection c on c.org_id = s.org_id
       where s.slug = $1 and c.disconnected_at is null`,
      [wanted],
    );
    return row?.org_id ?? null;
  }

  async schedule(orgId: string): Promise<OrgSchedule> {
    return (await this.#loaded(orgId)).schedule;
  }

  /**
   * Busy time from the snapshot sync keeps (the store, no Salesforce call), each appointment widened
   * by its type's buffers; the types come from the cached configuration (a load when it is cold).
   * Appointments of a type the configuration does not know take their own time and one whole seat.
   */
  async appointmentBusy(
    orgId: string,
    resourceIds: readonly string[],
    from: EpochMs,
    to: EpochMs,
  ): Promise<(BusyInterval & { bookingKey: string | null })[]> {
    if (resourceIds.length === 0 || to <= from) return [];
    const { bookedTypes } = await this.#loaded(orgId);
    let widestBefore = 0;
    let widestAfter = 0;
    for (const type of bookedTypes.values()) {
      widestBefore = Math.max(widestBefore, type.bufferBeforeMinutes);
      widestAfter = Math.max(widestAfter, type.bufferAfterMinutes);
    }
    // Unwidened times that can reach [from, to) once widened by the largest buffers.
    const rows = await this.#options.store().query<SnapshotRow>(
      `select booking_key, start_at, end_at, resource_id, appointment_type_id from appointment_snapshot
       where org_id = $1 and resource_id = any($2::text[]) and not deleted
         and status is distinct from $3 and start_at < $4 and end_at > $5
       order by start_at, appointment_id`,
      [
        orgId,
        [...resourceIds],
        CANCELLED,
        new Date(to + widestBefore * MINUTE_MS),
        new Date(from - widestAfter * MINUTE_MS),
      ],
    );
    const busy: (BusyInterval & { bookingKey: string | null })[] = [];
    for (const row of rows) {
      const type = row.appointment_type_id ? bookedTypes.get(row.appointment_type_id) : undefined;
      const startAt = row.start_at.getTime();
      const start = startAt - (type?.bufferBeforeMinutes ?? 0) * MINUTE_MS;
      const end = row.end_at.getTime() + (type?.bufferAfterMinutes ?? 0) * MINUTE_MS;
      if (end <= start || start >= to || end <= from) continue;
      busy.push({
        resourceId: row.resource_id,
        start,
        end,
        bookingKey: row.booking_key,
        ...(type && type.capacity > 1 && row.appointment_type_id
          ? { session: { typeId: row.appointment_type_id, start: startAt, seats: 1 } }
          : {}),
      });
    }
    return busy;
  }

  invalidate(orgId: string): void {
    this.#cache.delete(orgId);
    this.#loading.delete(orgId);
    this.#generation.set(orgId, (this.#generation.get(orgId) ?? 0) + 1);
  }

  async #loaded(orgId: string): Promise<LoadedSchedule> {
    const entry = this.#cache.get(orgId);
    if (entry && this.#now().getTime() < entry.expiresAt) return entry.loaded;
    let loading = this.#loading.get(orgId);
    if (!loading) {
      loading = this.#load(orgId);
      this.#loading.set(orgId, loading);
      const settle = () => {
        if (this.#loading.get(orgId) === loading) this.#loading.delete(orgId);
      };
      loading.then(settle, settle);
    }
    return loading;
  }

  async #load(orgId: string): Promise<LoadedSchedule> {
    const generation = this.#generation.get(orgId) ?? 0;
    const loaded = await loadSchedule(this.#options.orgApi(), orgId, this.#now());
    if (loaded.skipped.length > 0) {
      this.#options.log?.warn({ orgId, skipped: loaded.skipped }, 'org configuration records skipped');
    }
    await this.#indexSlug(orgId, loaded.schedule.page.slug);
    if ((this.#generation.get(orgId) ?? 0) === generation) {
      this.#cache.set(orgId, { loaded, expiresAt: this.#now().getTime() + this.#ttlMs });
    }
    return loaded;
  }

  /**
   * Points the slug at this org (an org without a usable slug leaves the index). A slug another
   * connected org holds stays with it: first come, first served, so no org can take over another's
   * page address by renaming its own. A disconnected org's slug is free again.
   */
  async #indexSlug(orgId: string, slug: string): Promise<void> {
    const store = this.#options.store();
    const now = this.#now();
    const owner = await store.transaction(async (tx) => {
      await tx.query('delete from booking_page_slug where org_id = $1 and slug <> $2', [orgId, slug]);
      if (!slug) return orgId;
      await tx.query(
        `insert into booking_page_slug (slug, org_id, updated_at) select $1, $2, $3
         where exists (select 1 from org_connection where org_id = $2)
         on conflict (slug) do update set org_id = excluded.org_id, updated_at = excluded.updated_at
         where booking_page_slug.org_id = excluded.org_id
            or exists (select 1 from org_connection c
                       where c.org_id = booking_page_slug.org_id and c.disconnected_at is not null)`,
        [slug, orgId, now],
      );
      const [row] = await tx.query<{ org_id: string }>('select org_id from booking_page_slug where slug = $1', [slug]);
      return row?.org_id ?? orgId;
    });
    if (owner !== orgId) {
      this.#options.log?.warn({ orgId, slug }, 'booking page slug is already used by another org; not indexed');
    }
  }
}
