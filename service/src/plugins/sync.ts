import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { OrgApi } from '../salesforce/org-api.ts';
import { SyncEventBus } from '../sync/events.ts';
import { syncOrg, type SyncOptions } from '../sync/sync.ts';

export const SYNC_QUEUE = 'org-sync';

declare module 'fastify' {
  interface FastifyInstance {
    sync: {
      /** Domain events from every org's sync (subscribe while the app is built). */
      bus: SyncEventBus;
      /** Starts (or nudges) the org's sync loop: call after an org connects. */
      start(orgId: string): Promise<void>;
    };
  }
}

export interface SyncPluginOptions extends SyncOptions {
  /** The gateway: the only way to reach an org (a function when it is built after this plugin). */
  orgApi: OrgApi | (() => OrgApi);
  /** Seconds between an org's ticks. Default 60. */
  tickSeconds?: number;
  now?: () => Date;
}

/**
 * Incremental sync: one job per org (policy 'stately', singleton key = org id: one tick running and
 * at most one waiting), each tick scheduling the next. Every connected org's loop is (re)started
 * when the store opens; a disconnected org's loop ends at its next tick.
 */
async function sync(app: FastifyInstance, options: SyncPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const tickMs = (options.tickSeconds ?? 60) * 1000;
  const orgApi = typeof options.orgApi === 'function' ? options.orgApi : () => options.orgApi as OrgApi;
  const log = app.log.child({ component: 'sync' });
  const bus = new SyncEventBus((error, event) =>
    log.error({ err: error, eventId: event.id, type: event.type }, 'sync event handler failed'),
  );
  const syncOptions: SyncOptions = {
    ...(options.overlapMs !== undefined ? { overlapMs: options.overlapMs } : {}),
    configIntervalMs: options.configIntervalMs ?? 5 * tickMs,
  };

  const schedule = (orgId: string, runAt?: Date) =>
    app.jobs.send(SYNC_QUEUE, { orgId }, { singletonKey: orgId, ...(runAt ? { runAt } : {}) });

  app.jobs.define<{ orgId: string }>(
    SYNC_QUEUE,
    async ({ orgId }) => {
      const store = app.storeConnection.store;
      const [connected] = await store.query(
        'select 1 from org_connection where org_id = $1 and disconnected_at is null',
        [orgId],
      );
      if (!connected) return;
      try {
        const result = await syncOrg({ store, orgApi: orgApi(), bus, now }, orgId, syncOptions);
        if (result.events.length > 0) log.info({ orgId, events: result.events.length }, 'org changes synced');
      } finally {
        // The next tick even when this one failed (the job's own retry may also run it sooner).
        await schedule(orgId, new Date(Date.now() + tickMs));
      }
    },
    { policy: 'stately', retryLimit: 2, retryDelaySeconds: 10 },
  );

  app.storeConnection.use({
    start: async (store) => {
      const orgs = await store.query<{ org_id: string }>(
        'select org_id from org_connection where disconnected_at is null',
      );
      for (const { org_id } of orgs) await schedule(org_id);
    },
    stop: async () => {},
  });

  app.decorate('sync', {
    bus,
    start: async (orgId: string) => {
      await schedule(orgId);
    },
  });
}

export const syncPlugin = fp(sync, { name: 'sync', dependencies: ['store'] });
