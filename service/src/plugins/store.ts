import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { JobQueue } from '../jobs/queue.ts';
import { StoreConnection } from '../store/connection.ts';
import type { StoreConfig } from '../store/open.ts';

declare module 'fastify' {
  interface FastifyInstance {
    storeConnection: StoreConnection;
    jobs: JobQueue;
  }
}

export interface StorePluginOptions {
  store: StoreConfig;
  shutdownTimeoutMs: number;
}

/**
 * The store and the job queue on it. Features define their job queues while the app is built;
 * the store opens once the app is ready, so it never delays the health endpoint.
 */
async function storeAndJobs(app: FastifyInstance, options: StorePluginOptions): Promise<void> {
  const connection = new StoreConnection(options.store, app.log.child({ component: 'store' }));
  const jobs = new JobQueue();
  const jobLog = app.log.child({ component: 'jobs' });
  connection.use({
    start: (store) => jobs.start(store, (error) => jobLog.error({ err: error }, 'job queue error')),
    // Half the shutdown budget for running jobs; the rest is for requests and the store.
    stop: () => jobs.stop(Math.floor(options.shutdownTimeoutMs / 2)),
  });
  app.decorate('storeConnection', connection);
  app.decorate('jobs', jobs);
  app.addHook('onReady', async () => connection.start());
  app.addHook('onClose', async () => connection.close());
}

export const storePlugin = fp(storeAndJobs, { name: 'store' });
