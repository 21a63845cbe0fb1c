import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { OutboxMetrics } from '../outbox/outbox.ts';
import { HttpProblem } from '../problem.ts';
import type { OrgApi } from '../salesforce/org-api.ts';
import type { Queryable } from '../store/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      /** This app's registry: never prom-client's global one, so one process can hold many apps. */
      registry: Registry;
      /** What the outbox's delivery passes count. */
      outbox: OutboxMetrics;
    };
  }
}

export interface MetricsPluginOptions {
  /** METRICS_TOKEN: `GET /metrics` requires it as a bearer token. */
  token: string | undefined;
  /** Without a token, sandbox mode serves `/metrics` to anyone; elsewhere there is no such route. */
  sandbox: boolean;
  /** The gateway, for the API usage it saw (a function when it is built after this plugin). */
  orgApi: OrgApi | (() => OrgApi);
  now?: () => Date;
}

const WWW_AUTHENTICATE = 'Bearer realm="slotwise-metrics"';
const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

/**
 * Prometheus metrics in the app's own registry: counters the outbox increments as it works, and
 * gauges read from the store when scraped (one query per family, whatever the number of orgs).
 * Series name org ids, so the endpoint needs METRICS_TOKEN (sandbox mode: open while none is set).
 */
async function metrics(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const orgApi = typeof options.orgApi === 'function' ? options.orgApi : () => options.orgApi as OrgApi;
  const served = options.token !== undefined || options.sandbox;
  const registry = new Registry();
  // Process metrics start an event-loop monitor and a GC observer that nothing can stop: only
  // where someone can read them.
  if (served) collectDefaultMetrics({ register: registry });

  const outboxCounter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['sobject'] as const, registers: [registry] });
  const delivered = outboxCounter('slotwise_outbox_delivered_total', 'Outbox writes Salesforce accepted.');
  const rejected = outboxCounter(
    'slotwise_outbox_rejected_total',
    'Outbox writes refused for good (kept as rejected for the admin).',
  );
  const transient = outboxCounter(
    'slotwise_outbox_transient_failures_total',
    'Outbox delivery attempts that failed for a passing reason; the write is retried with backoff.',
  );

  /** The store while it is open; gauges stay empty otherwise (and /readyz says why). */
  const openStore = (): Queryable | undefined =>
    app.storeConnection.status.state === 'ready' ? app.storeConnection.store : undefined;
  const secondsSince = (at: Date) => Math.max(0, (now().getTime() - at.getTime()) / 1000);

  new Gauge({
    name: 'slotwise_outbox_writes',
    help: 'Outbox writes waiting for delivery (pending) or refused by Salesforce (rejected), per org.',
    labelNames: ['org_id', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const store = openStore();
      if (!store) return;
      const rows = await store.query<{ org_id: string; pending: number; rejected: number }>(
        `select c.org_id, count(o.id) filter (where o.state = 'pending')::int as pending,
                count(o.id) filter (where o.state = 'rejected')::int as rejected
           from org_connection c
           left join org_outbox o on o.org_id = c.org_id and o.state in ('pending', 'rejected')
          group by c.org_id`,
      );
      for (const row of rows) {
        this.set({ org_id: row.org_id, state: 'pending' }, row.pending);
        this.set({ org_id: row.org_id, state: 'rejected' }, row.rejected);
      }
    },
  });

  new Gauge({
    name: 'slotwise_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox write waiting for delivery, per org (0 when none waits).',
    labelNames: ['org_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const store = openStore();
      if (!store) return;
      const rows = await store.query<{ org_id: string; oldest: Date | null }>(
        `select c.org_id, min(o.created_at) as oldest
           from org_connection c left join org_outbox o on o.org_id = c.org_id and o.state = 'pending'
          group by c.org_id`,
      );
      for (const row of rows) this.set({ org_id: row.org_id }, row.oldest ? secondsSince(row.oldest) : 0);
    },
  });

  new Gauge({
    name: 'slotwise_sms_reminders',
    help: 'SMS reminders waiting (planned), in flight (sending) or paused for want of credits (paused), per org; alert on paused > 0.',
    labelNames: ['org_id', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const store = openStore();
      if (!store) return;
      const rows = await store.query<{ org_id: string; planned: number; sending: number; paused: number }>(
        `select c.org_id, count(r.id) filter (where r.state = 'planned')::int as planned,
                count(r.id) filter (where r.state = 'sending')::int as sending,
                count(r.id) filter (where r.state = 'paused')::int as paused
           from org_connection c
           left join sms_reminder r on r.org_id = c.org_id and r.state in ('planned', 'sending', 'paused')
          group by c.org_id`,
      );
      for (const row of rows) {
        for (const state of ['planned', 'sending', 'paused'] as const) {
          this.set({ org_id: row.org_id, state }, row[state]);
        }
      }
    },
  });

  new Gauge({
    name: 'slotwise_org_seconds_since_last_sync',
    help: 'Seconds since the last completed sync of each connected org (since it connected, until a first sync).',
    labelNames: ['org_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const store = openStore();
      if (!store) return;
      const rows = await store.query<{ org_id: string; since: Date }>(
        `select org_id, coalesce(last_sync_at, connected_at) as since
           from org_connection where disconnected_at is null`,
      );
      for (const row of rows) this.set({ org_id: row.org_id }, secondsSince(row.since));
    },
  });

  // What the gateway read from Sforce-Limit-Info on its latest call: absent until it made one.
  const apiUsageGauge = (name: string, help: string, pick: (usage: { used: number; max: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['org_id'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const store = openStore();
        if (!store) return;
        const rows = await store.query<{ org_id: string }>(
          'select org_id from org_connection where disconnected_at is null',
        );
        for (const { org_id } of rows) {
          const usage = orgApi().usage(org_id);
          if (usage) this.set({ org_id }, pick(usage));
        }
      },
    });
  apiUsageGauge(
    'slotwise_salesforce_api_requests_used',
    'Salesforce API requests the org used in the last 24 h, as of the latest call (Sforce-Limit-Info).',
    (usage) => usage.used,
  );
  apiUsageGauge(
    'slotwise_salesforce_api_requests_limit',
    'Salesforce API requests the org allows in 24 h, as of the latest call (Sforce-Limit-Info).',
    (usage) => usage.max,
  );

  new Gauge({
    name: 'slotwise_job_queue_jobs',
    help: "Jobs per queue: ready to run, deferred to a later time, active. pg-boss's counts, refreshed by its monitor about once a minute.",
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const store = openStore();
      if (!store || !app.jobs.started) return;
      const rows = await store.query<{ name: string; ready: number; deferred: number; active: number }>(
        'select name, ready_count as ready, deferred_count as deferred, active_count as active from pgboss.queue',
      );
      for (const row of rows) {
        this.set({ queue: row.name, state: 'ready' }, row.ready);
        this.set({ queue: row.name, state: 'deferred' }, row.deferred);
        this.set({ queue: row.name, state: 'active' }, row.active);
      }
    },
  });

  app.decorate('metrics', {
    registry,
    outbox: {
      delivered: (sobject: string) => delivered.inc({ sobject }),
      rejected: (sobject: string) => rejected.inc({ sobject }),
      failedTransiently: (sobject: string) => transient.inc({ sobject }),
    },
  });

  // Without a token outside sandbox mode the route does not exist: the app's 404 answers.
  if (!served) return;
  const expected = options.token === undefined ? undefined : digest(options.token);
  app.get('/metrics', async (request, reply) => {
    if (expected) checkBearer(request, expected, reply);
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests, so the time taken says nothing about the token, not even its length. */
function checkBearer(request: FastifyRequest, expected: Buffer, reply: FastifyReply): void {
  const header = request.headers.authorization;
  const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
  reply.header('www-authenticate', WWW_AUTHENTICATE);
  throw given === undefined
    ? new HttpProblem(
        401,
        'metrics_token_missing',
        'A bearer token is required',
        'Send Authorization: Bearer <METRICS_TOKEN>.',
      )
    : new HttpProblem(401, 'metrics_token_invalid', 'The bearer token is not valid');
}

export const metricsPlugin = fp(metrics, { name: 'metrics', dependencies: ['store'] });
