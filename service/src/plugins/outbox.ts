import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  deliverOutbox,
  enqueueWrite,
  OUTBOX_PAYLOAD_COLUMN,
  orgsWithDueWrites,
  outboxDepth,
  outboxStatus,
  type OutboxMetrics,
  type OutboxStatus,
  type OutboxWrite,
  type PassResult,
} from '../outbox/outbox.ts';
import { DEFAULT_RETENTION_DAYS, pruneCutoff, pruneDelivered } from '../outbox/prune.ts';
import type { OrgApi } from '../salesforce/org-api.ts';
import type { Queryable } from '../store/store.ts';

export const OUTBOX_QUEUE = 'org-outbox';
export const OUTBOX_SWEEP_QUEUE = 'org-outbox-sweep';
export const OUTBOX_PRUNE_QUEUE = 'org-outbox-prune';

declare module 'fastify' {
  interface FastifyInstance {
    outbox: {
      /** Stores a write in the caller's transaction; call `wake` after the commit. */
      enqueue(tx: Queryable, write: OutboxWrite): Promise<number>;
      /** Asks for a delivery pass for the org now (a no-op while one is already waiting). */
      wake(orgId: string): Promise<void>;
      status(orgId: string): Promise<OutboxStatus>;
      depth(orgId: string): Promise<number>;
    };
  }
}

export interface OutboxPluginOptions {
  /** The gateway: the only way to reach an org (a function when it is built after this plugin). */
  orgApi: OrgApi | (() => OrgApi);
  /** How often the sweep looks for orgs with due writes whose wake-up was missed. Default 60 s. */
  sweepSeconds?: number;
  /** Delivered writes older than this many days are deleted. Default 7. */
  retentionDays?: number;
  /** How often the prune job runs. Default 1 h. */
  pruneSeconds?: number;
  /** Counts deliveries, rejections and transient failures (plugins/metrics.ts). */
  metrics?: OutboxMetrics;
  now?: () => Date;
}

/**
 * Delivery of the outbox: one job per org (queue policy 'stately' with the org id as singleton
 * key: one pass running and at most one waiting per org), woken when a write is queued, scheduled
 * again at the retry time while the org is down, and a sweep that wakes every org with due writes.
 */
async function outbox(app: FastifyInstance, options: OutboxPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const sweepMs = (options.sweepSeconds ?? 60) * 1000;
  const pruneMs = (options.pruneSeconds ?? 3600) * 1000;
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const orgApi = typeof options.orgApi === 'function' ? options.orgApi : () => options.orgApi as OrgApi;
  const log = app.log.child({ component: 'outbox' });
  app.encryptedColumns.push(OUTBOX_PAYLOAD_COLUMN);

  const wake = async (orgId: string, runAt?: Date) => {
    await app.jobs.send(OUTBOX_QUEUE, { orgId }, { singletonKey: orgId, ...(runAt ? { runAt } : {}) });
  };

  app.jobs.define<{ orgId: string }>(
    OUTBOX_QUEUE,
    async ({ orgId }, job) => {
      const store = app.storeConnection.store;
      const [connected] = await store.query(
        'select 1 from org_connection where org_id = $1 and disconnected_at is null',
        [orgId],
      );
      // A disconnected org keeps its writes: they go once it is connected again (the sweep).
      if (!connected) return;
      const result: PassResult = await deliverOutbox(
        { store, envelope: app.envelope, orgApi: orgApi(), now, log, metrics: options.metrics },
        orgId,
        { signal: job.signal },
      );
      if (result.delivered > 0 || result.rejected > 0 || result.retryAt) {
        log.info({ orgId, ...result }, 'outbox pass');
      }
      if (result.retryAt) await wake(orgId, result.retryAt);
    },
    { policy: 'stately', retryLimit: 10, retryDelaySeconds: 5, retryBackoff: true },
  );

  app.jobs.define<Record<string, never>>(
    OUTBOX_SWEEP_QUEUE,
    async () => {
      try {
        for (const orgId of await orgsWithDueWrites(app.storeConnection.store, now())) await wake(orgId);
      } finally {
        await app.jobs.send(OUTBOX_SWEEP_QUEUE, {}, { singletonKey: 'sweep', runAt: new Date(Date.now() + sweepMs) });
      }
    },
    { policy: 'stately' },
  );

  // Delivered writes past the retention: a singleton job that schedules its next run, as the sweep.
  app.jobs.define<Record<string, never>>(
    OUTBOX_PRUNE_QUEUE,
    async (_data, job) => {
      try {
        const cutoff = pruneCutoff(now(), retentionDays);
        const result = await pruneDelivered(app.storeConnection.store, cutoff, { signal: job.signal });
        if (result.deleted > 0) log.info({ ...result, retentionDays }, 'delivered outbox writes pruned');
      } finally {
        await app.jobs.send(OUTBOX_PRUNE_QUEUE, {}, { singletonKey: 'prune', runAt: new Date(Date.now() + pruneMs) });
      }
    },
    { policy: 'stately' },
  );

  app.storeConnection.use({
    start: async () => {
      await app.jobs.send(OUTBOX_SWEEP_QUEUE, {}, { singletonKey: 'sweep' });
      await app.jobs.send(OUTBOX_PRUNE_QUEUE, {}, { singletonKey: 'prune' });
    },
    stop: async () => {},
  });

  app.decorate('outbox', {
    enqueue: (tx: Queryable, write: OutboxWrite) => enqueueWrite(tx, app.envelope, write, now()),
    wake: (orgId: string) => wake(orgId),
    status: (orgId: string) => outboxStatus(app.storeConnection.store, orgId),
    depth: (orgId: string) => outboxDepth(app.storeConnection.store, orgId),
  });
}

export const outboxPlugin = fp(outbox, { name: 'outbox', dependencies: ['store', 'encryption'] });
