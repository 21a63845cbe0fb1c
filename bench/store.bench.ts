import type { Queryable } from '../service/src/store/store.ts';
import type { BenchBackend, RawConnection } from './backends.ts';
import type { BenchConfig } from './config.ts';
import { compareConcurrent, compareSequential, type Operation } from './measure.ts';
import type { ResultRow } from './results.ts';
import type { Summary } from './stats.ts';

export interface StoreRows {
  rows: ResultRow[];
  /** `select 1` through the Store, sequential: the baseline of job latency. */
  storeSelect: ResultRow;
  /** Keyed insert + select through the Store with concurrent clients: the baseline of job throughput. */
  storeConcurrent: ResultRow;
}

const INSERT = 'insert into bench_item (id, payload) values ($1, $2)';
const SELECT = 'select id, payload from bench_item where id = $1';

/**
 * Store round-trips, each next to the same work done on the bare driver (the baseline):
 * `select 1` and a keyed insert + select, sequential, then the keyed pair with concurrent clients.
 */
export async function benchStore(backend: BenchBackend, config: BenchConfig): Promise<StoreRows> {
  const { store } = backend;
  await store.exec('create table bench_item (id bigint primary key, payload text not null)');

  const raw = await backend.rawConnection();
  const rawClients: RawConnection[] = [];
  for (let c = 0; c < config.concurrency; c++) rawClients.push(await backend.rawConnection());

  let nextId = 1;
  const keyed =
    (db: Queryable | RawConnection): Operation =>
    async () => {
      const id = nextId++;
      await db.query(INSERT, [id, `item ${id}`]);
      const rows = await db.query(SELECT, [id]);
      if (rows.length !== 1) throw new Error(`row ${id} was inserted but ${rows.length} rows came back`);
    };
  const selectOne =
    (db: Queryable | RawConnection): Operation =>
    async () => {
      const rows = await db.query('select 1 as one');
      if (rows.length !== 1) throw new Error(`select 1 returned ${rows.length} rows`);
    };
  const row = (measure: string, summary: Summary | undefined, baseline?: ResultRow['baseline']): ResultRow => ({
    backend: backend.name,
    measure,
    unit: 'ops/s',
    ...(summary ? { summary } : {}),
    ...(baseline ? { baseline } : {}),
  });

  // Each pair runs in alternating rounds, the raw driver first.
  const [rawSelectSummary, storeSelectSummary] = await compareSequential(
    [selectOne(raw), selectOne(store)],
    config.warmup,
    config.iterations,
  );
  const rawSelect = row('select 1, raw driver', rawSelectSummary);
  const storeSelect = row('select 1, Store', storeSelectSummary, { row: rawSelect, basis: 'p50' });

  const [rawKeyedSummary, storeKeyedSummary] = await compareSequential(
    [keyed(raw), keyed(store)],
    config.warmup,
    config.iterations,
  );
  const rawKeyed = row('insert+select by pk, raw driver', rawKeyedSummary);
  const storeKeyed = row('insert+select by pk, Store', storeKeyedSummary, { row: rawKeyed, basis: 'p50' });

  const [rawConcurrentSummary, storeConcurrentSummary] = await compareConcurrent(
    [rawClients.map((client) => keyed(client)), rawClients.map(() => keyed(store))],
    config.warmup,
    config.concurrentOps,
  );
  const clients = `${config.concurrency} clients`;
  const rawConcurrent = row(`insert+select by pk, ${clients}, raw driver`, rawConcurrentSummary);
  const storeConcurrent = row(`insert+select by pk, ${clients}, Store`, storeConcurrentSummary, {
    row: rawConcurrent,
    basis: 'throughput',
  });

  return {
    rows: [rawSelect, storeSelect, rawKeyed, storeKeyed, rawConcurrent, storeConcurrent],
    storeSelect,
    storeConcurrent,
  };
}
