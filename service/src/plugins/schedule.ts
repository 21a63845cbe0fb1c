import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CachedScheduleSource } from '../schedule/source.ts';
import type { ScheduleSource } from '../schedule/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each org's booking configuration (cached) and busy time (from the sync snapshot). */
    schedule: ScheduleSource;
  }
}

export interface SchedulePluginOptions {
  /** How long a loaded configuration is used. Default 60 s. */
  ttlMs?: number;
  now?: () => Date;
}

const BOOKING_PAGE = 'Slotwise_Booking_Page__c';

/**
 * `app.schedule`, kept fresh by sync: a config_changed event drops the org's cached configuration,
 * and a booking page change loads it again at once so the slug index follows a new address (and a
 * newly connected org's first sync makes its page reachable). Sync runs on one instance only (one
 * job per org), so only that instance hears the event: every other instance relies on the TTL,
 * which bounds how long it serves a configuration after a change.
 */
async function schedule(app: FastifyInstance, options: SchedulePluginOptions): Promise<void> {
  const log = app.log.child({ component: 'schedule' });
  const source = new CachedScheduleSource({
    store: () => app.storeConnection.store,
    orgApi: () => app.orgApi,
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.now ? { now: options.now } : {}),
    log,
  });
  app.sync.bus.subscribe(async (event) => {
    if (event.type !== 'config_changed') return;
    source.invalidate(event.orgId);
    if (event.objects.includes(BOOKING_PAGE)) await source.schedule(event.orgId);
  });
  app.decorate('schedule', source);
}

export const schedulePlugin = fp(schedule, { name: 'schedule', dependencies: ['sync', 'salesforce'] });
