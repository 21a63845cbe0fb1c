/**
 * Benchmarks the Store and the JobQueue on PGlite and PostgreSQL, each against a baseline measured
 * in the same run. `npm run bench`; sizes from BENCH_* environment variables (see config.ts).
 */
import { availableParallelism, platform, arch } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openBackend } from './backends.ts';
import { Cleanup } from './cleanup.ts';
import { BenchConfigError, ENV_HELP, readConfig, type BackendName, type BenchConfig } from './config.ts';
import { benchJobs } from './jobs.bench.ts';
import { formatTable } from './report.ts';
import type { ResultRow } from './results.ts';
import { benchStore } from './store.bench.ts';

/** The teardown of the backend being measured, for an interrupt to run. */
let active: Cleanup | undefined;

async function main(): Promise<void> {
  const started = performance.now();
  const config = readConfig();
  console.log(describeRun(config));

  const rows: ResultRow[] = [];
  const skipped: string[] = [];
  for (const name of config.backends) {
    const backendStarted = performance.now();
    const cleanup = new Cleanup();
    active = cleanup;
    let failure: Error | undefined;
    let skip: string | undefined;
    try {
      skip = await measureBackend(name, config, cleanup, rows);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    const problems = await cleanup.run();
    active = undefined;
    if (failure) problems.unshift(failure);
    if (problems.length > 0) {
      throw new Error(`${name}: ${problems.map((problem) => problem.message).join('; ')}`, { cause: problems[0] });
    }
    if (skip) {
      skipped.push(`${name}: rows skipped, ${skip}`);
      console.error(`${name}: skipped (${skip})`);
    } else {
      console.error(`${name}: done in ${seconds(performance.now() - backendStarted)}`);
    }
  }

  console.log('');
  if (rows.length > 0) console.log(formatTable(rows));
  else console.log('(no rows: every backend was skipped)');
  for (const line of skipped) console.log(line);
  console.log('');
  console.log(EXPLANATION);
  console.log(`Total time: ${seconds(performance.now() - started)}.`);
}

/** Measures one backend, adding its rows; returns why it was skipped, if it was. */
async function measureBackend(
  name: BackendName,
  config: BenchConfig,
  cleanup: Cleanup,
  rows: ResultRow[],
): Promise<string | undefined> {
  const opened = await openBackend(name, config, cleanup);
  if ('skipped' in opened) return opened.skipped;
  console.error(`${name}: measuring the store...`);
  const store = await benchStore(opened.backend, config);
  rows.push(...store.rows);
  console.error(`${name}: measuring the job queue...`);
  const jobs = await benchJobs(opened.backend, config, cleanup, {
    latency: store.storeSelect,
    throughput: store.storeConcurrent,
  });
  rows.push(...jobs);
  return undefined;
}

const EXPLANATION = [
  'Baselines, measured in this same run on the same backend:',
  '- "raw driver" rows run the same SQL on the bare driver under the Store (one pg.Client per client on PostgreSQL;',
  '  PGlite.query on the store\'s own PGlite instance), so "Store" rows show what the Store layer adds. Each raw/Store',
  '  pair runs in 5 alternating rounds after a warm-up of each.',
  '- Job latency is compared with one sequential Store "select 1"; job throughput with the concurrent Store',
  '  insert+select rows (one "op" there is two statements: an insert, then a select by primary key).',
  'ratio = time per operation / the baseline\'s: p50 / baseline p50 ("p50"), or baseline throughput / throughput',
  '("time/op"). 1.00x is as fast as the baseline, 2.00x twice as slow. Percentiles are per operation; on',
  '"N clients" rows they include waiting for a connection (PostgreSQL pool) or the single PGlite instance.',
].join('\n');

function describeRun(config: BenchConfig): string {
  return [
    `Slotwise bench: node ${process.version}, ${platform()} ${arch()}, ${availableParallelism()} CPUs`,
    `sizes: warmup=${config.warmup} iterations=${config.iterations} concurrency=${config.concurrency} ` +
      `concurrentOps=${config.concurrentOps} jobIterations=${config.jobIterations} jobs=${config.jobs} ` +
      `jobConcurrency=${config.jobConcurrency} jobDeadlineSeconds=${config.jobDeadlineSeconds} backends=${config.backends.join(',')}`,
    `(set with ${ENV_HELP})`,
  ].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

process.once('SIGINT', () => {
  console.error('interrupted; cleaning up');
  void (active?.run() ?? Promise.resolve([])).then(
    (problems) => {
      for (const problem of problems) console.error(problem.message);
      process.exit(130);
    },
    () => process.exit(130),
  );
});

try {
  await main();
  process.exitCode = 0;
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && !(error instanceof BenchConfigError) && error.stack) console.error(error.stack);
  process.exitCode = 1;
}
// Everything is closed by now; should a library still hold a handle, do not hang on it.
setTimeout(() => {
  console.error('bench: handles still open after cleanup; exiting anyway');
  process.exit();
}, 5_000).unref();
