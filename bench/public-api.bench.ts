import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createDatabase } from './backends.ts';
import { buildApp } from '../service/src/app.ts';
import { loadConfig } from '../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { createLogger } from '../service/src/logger.ts';
import { saveConnection } from '../service/src/org/connections.ts';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { OrgEmulator } from '../service/src/salesforce/emulator/server.ts';
import { DEFAULT_API_VERSION } from '../service/src/salesforce/gateway.ts';
import type { Cleanup } from './cleanup.ts';
import type { BackendName, BenchConfig } from './config.ts';
import { compareConcurrent, type Operation } from './measure.ts';
import type { ResultRow } from './results.ts';

const SLUG = 'riverside-clinic';

/**
 * The public slots endpoint over real HTTP (keep-alive, the org's schedule cached after the first
 * request, so no Salesforce call is timed), against a bare Fastify route on the same machine in
 * the same run: what the service adds per request (plugins, validation, store reads of busy time,
 * the engine, serialisation) on top of Fastify and HTTP themselves.
 */
export async function benchPublicApi(name: BackendName, config: BenchConfig, cleanup: Cleanup): Promise<ResultRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotwise-bench-api-'));
  cleanup.add(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const databaseUrl = name === 'postgres' ? await createDatabase(config.postgresUrl, cleanup) : undefined;

  const org = new OrgEmulator();
  await org.start();
  cleanup.add('close the org emulator', () => org.close());
  const { ids } = seedDemoClinic(org);

  const appConfig = loadConfig({
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    // The most the configuration allows: the bench is one client address sending thousands of requests.
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const app = await buildApp(appConfig, {
    logger: createLogger('warn', { write: () => {} }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('bench-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
  });
  cleanup.add('close the app', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  await app.storeConnection.whenReady();
  await saveConnection(
    app.storeConnection.store,
    app.envelope,
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
  await app.schedule.schedule(org.orgId);

  // The baseline: Fastify alone, one route answering a small JSON object.
  const bare = Fastify();
  bare.get('/bare', async () => ({ ok: true, days: [] }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  cleanup.add('close the bare Fastify', () => bare.close());

  const from = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 8 * 86_400_000).toISOString().slice(0, 10);
  const slotsUrl =
    `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/public/v1/orgs/${SLUG}/types/` +
    `${ids.get('TypeInitialRef')}/slots?from=${from}&to=${to}&timeZone=Europe%2FLondon`;
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare`;

  // fetch (undici) keeps connections alive between requests by default.
  const get =
    (url: string): Operation =>
    async () => {
      const response = await fetch(url);
      const body = await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      return body;
    };
  const first = await fetch(slotsUrl);
  const firstBody = (await first.json()) as { days?: { slots: unknown[] }[] };
  const slotCount = firstBody.days?.reduce((sum, day) => sum + day.slots.length, 0) ?? 0;
  if (first.status !== 200 || slotCount === 0)
    throw new Error(`the slots endpoint is not serving slots (${first.status})`);

  const clients = config.concurrency;
  const [bareSummary, slotsSummary] = await compareConcurrent(
    [Array.from({ length: clients }, () => get(bareUrl)), Array.from({ length: clients }, () => get(slotsUrl))],
    Math.max(config.warmup, clients),
    config.concurrentOps,
  );
  const baseline: ResultRow = {
    backend: name,
    measure: `bare Fastify route, HTTP keep-alive, ${clients} clients`,
    unit: 'ops/s',
    summary: bareSummary!,
    note: 'the same HTTP client and machine; the route answers a constant small JSON object.',
  };
  return [
    baseline,
    {
      backend: name,
      measure: `GET public slots (7 days), HTTP keep-alive, ${clients} clients`,
      unit: 'ops/s',
      summary: slotsSummary!,
      baseline: { row: baseline, basis: 'throughput' },
      note:
        `the whole app (rate limit, security headers, validation, request log), schedule cached, busy time read from ` +
        `the store, ${slotCount} slots computed and serialised per request.`,
    },
  ];
}
