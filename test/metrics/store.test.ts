import t, { type Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { outboxStatus, type OutboxWrite } from '../../service/src/outbox/outbox.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { BACKENDS, freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';
import { waitFor } from '../helpers/process.ts';
import { parseMetrics, samplesOf, valueOf, type Sample } from './scrape.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

/** The sandbox app on `backend`, its gateway pointed at the emulator; undefined when the backend is absent. */
async function appOn(t: Test, backend: Backend, org: OrgEmulator) {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'warn',
  });
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: () => {} }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  return app;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: metrics match the store as writes are delivered, rejected and retried`, async (t) => {
    const org = await startOrgEmulator(t);
    const demo = seedDemoClinic(org);
    const app = await appOn(t, backend, org);
    if (!app) return;
    const store = app.storeConnection.store;
    await saveEmulatorConnection(store, app.envelope, org);
    const orgId = org.orgId;
    const write = (key: string): OutboxWrite => ({
      orgId,
      sobject: APPOINTMENT,
      operation: 'upsert',
      externalIdField: 'Booking_Key__c',
      externalId: key,
      fields: {
        Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
        Resource__c: demo.ids.get('ResourcePatelRef'),
        Start__c: '2026-04-01T09:00:00Z',
        End__c: '2026-04-01T09:30:00Z',
      },
    });
    /** A scrape, with the wall-clock window it happened in (for ages computed at scrape time). */
    const scrape = async (): Promise<{ samples: Sample[]; before: number; after: number }> => {
      const before = Date.now();
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      const after = Date.now();
      t.equal(response.statusCode, 200);
      return { samples: parseMetrics(response.body), before, after };
    };
    const countsByState = async () => {
      const rows = await store.query<{ state: string; count: number; attempts: number }>(
        `select state, count(*)::int as count, sum(attempts)::int as attempts from org_outbox group by state`,
      );
      return Object.fromEntries(rows.map((row) => [row.state, row]));
    };

    // Before any write: the org is listed with nothing waiting.
    let { samples } = await scrape();
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'pending' }), 0);
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'rejected' }), 0);
    t.equal(valueOf(samples, 'slotwise_outbox_oldest_pending_age_seconds', { org_id: orgId }), 0);
    t.equal(valueOf(samples, 'slotwise_salesforce_api_requests_used', { org_id: orgId }), undefined, 'no call yet');

    // One write refused by a validation rule, one accepted.
    org.injectFault({ kind: 'validation-rule', message: 'End must be after start.', field: 'End__c' });
    await store.transaction(async (tx) => {
      await app.outbox.enqueue(tx, write('bk-rejected'));
      await app.outbox.enqueue(tx, write('bk-delivered'));
    });
    await app.outbox.wake(orgId);
    await waitFor('the pass to finish', async () => ((await app.outbox.depth(orgId)) === 0 ? true : undefined));
    const lastSync = new Date(Date.now() - 90_000);
    await store.query('update org_connection set last_sync_at = $2 where org_id = $1', [orgId, lastSync]);

    let window = await scrape();
    samples = window.samples;
    let status = await outboxStatus(store, orgId);
    let counts = await countsByState();
    t.equal(status.rejected, 1);
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'pending' }), status.pending);
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'rejected' }), status.rejected);
    t.equal(valueOf(samples, 'slotwise_outbox_delivered_total', { sobject: APPOINTMENT }), counts.delivered?.count);
    t.equal(valueOf(samples, 'slotwise_outbox_rejected_total', { sobject: APPOINTMENT }), counts.rejected?.count);
    t.equal(valueOf(samples, 'slotwise_outbox_transient_failures_total', { sobject: APPOINTMENT }), undefined);
    const syncAge = valueOf(samples, 'slotwise_org_seconds_since_last_sync', { org_id: orgId })!;
    t.ok(
      syncAge >= (window.before - lastSync.getTime()) / 1000 && syncAge <= (window.after - lastSync.getTime()) / 1000,
      `seconds since the last sync (${syncAge}) read from org_connection.last_sync_at`,
    );
    const usage = app.orgApi.usage(orgId)!;
    t.ok(usage && usage.used > 0, 'the gateway saw Sforce-Limit-Info');
    t.equal(valueOf(samples, 'slotwise_salesforce_api_requests_used', { org_id: orgId }), usage.used);
    t.equal(valueOf(samples, 'slotwise_salesforce_api_requests_limit', { org_id: orgId }), usage.max);
    t.equal(usage.max, org.apiUsage.max);

    const queues = await store.query<{ name: string }>('select name from pgboss.queue order by name');
    const queueSamples = samplesOf(samples, 'slotwise_job_queue_jobs');
    t.same(
      [...new Set(queueSamples.map((sample) => sample.labels.queue))].sort(),
      queues.map((queue) => queue.name),
      'one series set per job queue',
    );
    t.ok(
      queues.some((queue) => queue.name === 'org-outbox-prune'),
      'the prune job has its queue',
    );
    t.ok(queueSamples.every((sample) => Number.isInteger(sample.value) && sample.value >= 0));

    // The org's writes now fail for a passing reason: the write stays pending and is counted.
    org.injectFault({ kind: 'unable-to-lock-row', times: Infinity });
    await store.transaction((tx) => app.outbox.enqueue(tx, write('bk-pending')));
    await app.outbox.wake(orgId);
    const transientFailures = async () =>
      valueOf((await scrape()).samples, 'slotwise_outbox_transient_failures_total', { sobject: APPOINTMENT });
    await waitFor('a transient failure to be counted', async () => ((await transientFailures()) ? true : undefined));
    // Disconnected, the org's delivery job leaves its writes alone: the numbers hold still.
    await store.query('update org_connection set disconnected_at = now() where org_id = $1', [orgId]);

    window = await scrape();
    samples = window.samples;
    status = await outboxStatus(store, orgId);
    counts = await countsByState();
    t.equal(status.pending, 1);
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'pending' }), status.pending);
    t.equal(valueOf(samples, 'slotwise_outbox_writes', { org_id: orgId, state: 'rejected' }), status.rejected);
    t.equal(
      valueOf(samples, 'slotwise_outbox_transient_failures_total', { sobject: APPOINTMENT }),
      counts.pending?.attempts,
      'each failed attempt of the pending write counted once',
    );
    t.equal(valueOf(samples, 'slotwise_outbox_delivered_total', { sobject: APPOINTMENT }), counts.delivered?.count);
    const oldest = status.oldestPendingAt!.getTime();
    const age = valueOf(samples, 'slotwise_outbox_oldest_pending_age_seconds', { org_id: orgId })!;
    t.ok(
      age > 0 && age >= (window.before - oldest) / 1000 && age <= (window.after - oldest) / 1000,
      `age of the oldest pending write (${age}) from its created_at`,
    );
    t.equal(
      valueOf(samples, 'slotwise_org_seconds_since_last_sync', { org_id: orgId }),
      undefined,
      'a disconnected org has no sync age',
    );
    t.equal(valueOf(samples, 'slotwise_salesforce_api_requests_used', { org_id: orgId }), undefined);
  });
}

t.test('a connected org that never synced counts from when it connected', async (t) => {
  const org = await startOrgEmulator(t);
  const app = await appOn(t, 'pglite', org);
  if (!app) return;
  const store = app.storeConnection.store;
  await saveEmulatorConnection(store, app.envelope, org);
  const connectedAt = new Date(Date.now() - 3_600_000);
  await store.query('update org_connection set connected_at = $2, last_sync_at = null where org_id = $1', [
    org.orgId,
    connectedAt,
  ]);
  const before = Date.now();
  const samples = parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body);
  const after = Date.now();
  const value = valueOf(samples, 'slotwise_org_seconds_since_last_sync', { org_id: org.orgId })!;
  t.ok(value >= (before - connectedAt.getTime()) / 1000 && value <= (after - connectedAt.getTime()) / 1000);
});
