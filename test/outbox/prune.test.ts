import t from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { pruneCutoff, pruneDelivered, PRUNE_BATCH_SIZE } from '../../service/src/outbox/prune.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import { openStore } from '../../service/src/store/open.ts';
import type { Queryable, Row } from '../../service/src/store/store.ts';
import { BACKENDS, freshStore, freshStoreConfig } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';

const ORG = '00D5g00000PrunEAAA';
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-03-10T12:00:00Z');

async function addOrg(store: Queryable): Promise<void> {
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
     values ($1, 'https://example.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [ORG],
  );
}

/** Adds outbox rows: `state`, created and (for delivered ones) delivered `daysAgo` days before NOW. */
async function addWrites(
  store: Queryable,
  state: 'pending' | 'delivered' | 'rejected',
  daysAgo: number,
  count: number,
) {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  await store.query(
    `insert into org_outbox (org_id, sobject, operation, external_id_field, external_id, record_key, state,
       next_attempt_at, created_at, delivered_at)
     select $1, 'Slotwise_Appointment__c', 'upsert', 'Booking_Key__c', 'bk-' || $2 || '-' || $3 || '-' || n,
            'Slotwise_Appointment__c:bk-' || $2 || '-' || $3 || '-' || n, $2::text, $4, $4,
            case when $2::text = 'delivered' then $4::timestamptz end
       from generate_series(1, $5::int) as n`,
    [ORG, state, daysAgo, at, count],
  );
}

async function remaining(store: Queryable) {
  return store.query<{ state: string; days: number; count: number }>(
    `select state, round(extract(epoch from ($1::timestamptz - created_at)) / 86400)::int as days, count(*)::int as count
       from org_outbox group by state, days order by state, days`,
    [NOW],
  );
}

/** The store, with the rows each statement returned recorded: one entry per DELETE batch. */
function recording(store: Queryable, deletedPerStatement: number[]): Queryable {
  return {
    query: async <T extends Row>(sql: string, params?: readonly unknown[]) => {
      const rows = await store.query<T>(sql, params);
      if (/delete from org_outbox/.test(sql)) deletedPerStatement.push(Number(rows[0]?.deleted));
      return rows;
    },
  };
}

t.test('the cutoff is the retention before now', async (t) => {
  t.same(pruneCutoff(NOW, 7), new Date('2026-03-03T12:00:00Z'));
  t.same(pruneCutoff(NOW, 1), new Date('2026-03-09T12:00:00Z'));
  t.throws(() => pruneCutoff(NOW, 0), RangeError);
  t.throws(() => pruneCutoff(NOW, 1.5), RangeError);
  t.equal(PRUNE_BATCH_SIZE, 1_000);
});

for (const backend of BACKENDS) {
  t.test(`${backend}: only delivered writes older than the retention go, in batches`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await addOrg(store);
    await addWrites(store, 'delivered', 30, 4);
    await addWrites(store, 'delivered', 8, 3);
    await addWrites(store, 'delivered', 6, 2); // within the 7 days
    await addWrites(store, 'pending', 30, 2);
    await addWrites(store, 'rejected', 30, 2);

    const batches: number[] = [];
    const result = await pruneDelivered(recording(store, batches), pruneCutoff(NOW, 7), { batchSize: 3 });
    t.same(result, { deleted: 7, batches: 3 });
    t.same(batches, [3, 3, 1], 'no statement deletes more than a batch');
    t.same(await remaining(store), [
      { state: 'delivered', days: 6, count: 2 },
      { state: 'pending', days: 30, count: 2 },
      { state: 'rejected', days: 30, count: 2 },
    ]);

    const again: number[] = [];
    t.same(await pruneDelivered(recording(store, again), pruneCutoff(NOW, 7), { batchSize: 3 }), {
      deleted: 0,
      batches: 1,
    });
    t.same(again, [0], 'nothing left to prune: one statement');

    // A backlog of exactly two batches ends with an empty third statement.
    await addWrites(store, 'delivered', 20, 6);
    const exact: number[] = [];
    t.same(await pruneDelivered(recording(store, exact), pruneCutoff(NOW, 7), { batchSize: 3 }), {
      deleted: 6,
      batches: 3,
    });
    t.same(exact, [3, 3, 0]);

    const aborted = new AbortController();
    aborted.abort();
    await t.rejects(pruneDelivered(store, pruneCutoff(NOW, 1), { signal: aborted.signal }), 'stops when aborted');
    t.equal((await remaining(store)).find((row) => row.state === 'delivered')?.count, 2, 'aborted before a batch');
  });
}

t.test('the prune job runs when the store opens, with OUTBOX_RETENTION_DAYS', async (t) => {
  const storeConfig = await freshStoreConfig(t, 'pglite');
  if (!storeConfig) return;
  // Writes made before this start: some delivered long ago, one recently (by the real clock).
  const seeded = await openStore(storeConfig);
  await migrate(seeded);
  await addOrg(seeded);
  const daysBeforeToday = (days: number) => (NOW.getTime() - Date.now()) / DAY + days;
  await addWrites(seeded, 'delivered', daysBeforeToday(5), 3);
  await addWrites(seeded, 'delivered', daysBeforeToday(1), 2);
  await addWrites(seeded, 'rejected', daysBeforeToday(40), 1);
  await addWrites(seeded, 'pending', daysBeforeToday(40), 1);
  await seeded.close();

  const config = loadConfig({ DATA_DIR: storeConfig.dataDir, LOG_LEVEL: 'info', OUTBOX_RETENTION_DAYS: '3' });
  t.equal(config.outboxRetentionDays, 3);
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  const counts = async () =>
    Object.fromEntries(
      (
        await store.query<{ state: string; count: number }>(
          'select state, count(*)::int as count from org_outbox group by state',
        )
      ).map((row) => [row.state, row.count]),
    );
  await waitFor('the old delivered writes to be pruned', async () =>
    (await counts()).delivered === 2 ? true : undefined,
  );
  t.same(await counts(), { delivered: 2, rejected: 1, pending: 1 });
  await waitFor('the prune to be logged', async () =>
    logs.some((line) => line.includes('delivered outbox writes pruned') && line.includes('"deleted":3'))
      ? true
      : undefined,
  );
});
