import type { FastifyInstance } from 'fastify';

// Probes come every few seconds from load balancers and orchestrators: never rate-limited.
const probe = { config: { rateLimit: false } } as const;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  /** Alive: the process answers. Says nothing about dependencies, so a restart will not help them. */
  app.get('/healthz', probe, async () => ({ status: 'ok' }));

  /** Ready: the store is open and migrated and the job queue runs. */
  app.get('/readyz', probe, async (_request, reply) => {
    const status = app.storeConnection.status;
    const ready = status.state === 'ready' && app.jobs.started;
    const store = status.state === 'unavailable' ? { state: status.state, code: status.code } : { state: status.state };
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not-ready', store, jobs: app.jobs.started ? 'running' : 'stopped' });
  });
}
