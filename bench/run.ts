/**
 * Benchmarks the Store and the JobQueue on PGlite and PostgreSQL, each against a baseline measured
 * in the same run, and counts the Salesforce API calls of the sync and the outbox against the org
 * emulator, and times the availability engine (compute only). `npm run bench`; sizes from BENCH_* environment variables, BENCH_ONLY picks the parts
 * (see config.ts).
 */
import { availableParallelism, platform, arch } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchAvailability } from './availability.bench.ts';
import { openBackend } from './backends.ts';
import { Cleanup } from './cleanup.ts';
import { BenchConfigError, ENV_HELP, readConfig, type BackendName, type BenchConfig } from './config.ts';
import { benchJobs } from './jobs.bench.ts';
import { benchPublicApi } from './public-api.bench.ts';
import { formatTable } from './report.ts';
import type { ResultRow } from './results.ts';
import { benchSalesforce } from './salesforce.bench.ts';
import { benchSms } from './sms.bench.ts';
import { benchStore } from './store.bench.ts';

/** The teardown of the backend being measured, for an interrupt to run. */
let active: Cleanup | undefined;

async function main(): Promise<void> {
  const started = performance.now();
  const config = readConfig();
  console.log(describeRun(config));

  const rows: ResultRow[] = [];
  const skipped: string[] = [];
  // The availability part is compute only: no backend is opened for it alone.
  const backendNames = config.parts.some((part) => part !== 'availability') ? config.backends : [];
  for (const name of backendNames) {
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

  if (config.parts.includes('availability')) {
    console.error('measuring the availability engine (compute only)...');
    rows.push(...(await benchAvailability(config)));
  }

  console.log('');
  if (rows.length > 0) console.log(formatTable(rows));
  else console.log('(no rows: every backend was skipped)');
  for (const line of skipped) console.log(line);
  console.log('');
  console.log(explanation(config));
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
  if (config.parts.includes('store')) {
    console.error(`${name}: measuring the store...`);
    const store = await benchStore(opened.backend, config);
    rows.push(...store.rows);
    if (config.parts.includes('jobs')) {
      console.error(`${name}: measuring the job queue...`);
      const jobs = await benchJobs(opened.backend, config, cleanup, {
        latency: store.storeSelect,
        throughput: store.storeConcurrent,
      });
      rows.push(...jobs);
    }
  }
  if (config.parts.includes('salesforce')) {
    console.error(`${name}: counting Salesforce API calls against the org emulator...`);
    rows.push(...(await benchSalesforce(opened.backend, config, cleanup)));
  }
  if (config.parts.includes('public-api')) {
    console.error(`${name}: timing the public slots endpoint against a bare Fastify route...`);
    rows.push(...(await benchPublicApi(name, config, cleanup)));
  }
  if (config.parts.includes('sms')) {
    console.error(`${name}: timing reminder dispatch to the Twilio stand-in against raw SDK sends...`);
    rows.push(...(await benchSms(name, config, cleanup)));
  }
  return undefined;
}

const TIMING_EXPLANATION = [
  'Baselines, measured in this same run on the same backend:',
  '- "raw driver" rows run the same SQL on the bare driver under the Store (one pg.Client per client on PostgreSQL;',
  '  PGlite.query on the store\'s own PGlite instance), so "Store" rows show what the Store layer adds. Each raw/Store',
  '  pair runs in 5 alternating rounds after a warm-up of each.',
  '- Job latency is compared with one sequential Store "select 1"; job throughput with the concurrent Store',
  '  insert+select rows (one "op" there is two statements: an insert, then a select by primary key).',
  'ratio = time per operation / the baseline\'s: p50 / baseline p50 ("p50"), or baseline throughput / throughput',
  '("time/op"). 1.00x is as fast as the baseline, 2.00x twice as slow. Percentiles are per operation; on',
  '"N clients" rows they include waiting for a connection (PostgreSQL pool) or the single PGlite instance.',
];

const SALESFORCE_EXPLANATION = [
  '"API calls" rows count, not time: Salesforce API calls (REST requests under /services/data, which is what',
  "Salesforce's API request limit counts; OAuth token refreshes are not counted) that the org emulator saw while the",
  'real JsforceGateway, over the stored connection, ran the sync ticks or delivered the outbox. These are exact',
  'counts, averaged over n ticks or bookings, so they have no percentiles; the backend does not change them.',
  "Their ratio = calls per tick (booking) / the baseline's: the naive designs described in their notes, measured",
  'in the same run against the same org. 0.50x is half the calls of the baseline.',
];

const AVAILABILITY_EXPLANATION = [
  'Availability rows ("-" backend) time pure computation: one op is every slot of a month for 20 resources. Their',
  "ratio = p50 / the naive engine's p50, measured in this run on the same request after checking both give the same",
  'slots, in 5 alternating rounds after a warm-up of each. The "slots by local day" rows group that month\'s slots',
  'for display instead, their ratio against a Temporal ZonedDateTime per slot.',
];

const SMS_EXPLANATION = [
  'SMS rows time reminder dispatch from due to sent at the Twilio stand-in (in-process, no network latency): their',
  'ratio = raw SDK sends/s / reminders/s, the raw sends measured in this run with as many loops as dispatch lanes.',
  "Two instances share one PostgreSQL database and its lanes (PGlite is one process's store: one instance only).",
];

function explanation(config: BenchConfig): string {
  const sections: string[][] = [];
  if (config.parts.includes('store')) sections.push(TIMING_EXPLANATION);
  if (config.parts.includes('salesforce')) sections.push(SALESFORCE_EXPLANATION);
  if (config.parts.includes('availability')) sections.push(AVAILABILITY_EXPLANATION);
  if (config.parts.includes('sms')) sections.push(SMS_EXPLANATION);
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}

function describeRun(config: BenchConfig): string {
  return [
    `Slotwise bench: node ${process.version}, ${platform()} ${arch()}, ${availableParallelism()} CPUs`,
    `sizes: warmup=${config.warmup} iterations=${config.iterations} concurrency=${config.concurrency} ` +
      `concurrentOps=${config.concurrentOps} jobIterations=${config.jobIterations} jobs=${config.jobs} ` +
      `jobConcurrency=${config.jobConcurrency} jobDeadlineSeconds=${config.jobDeadlineSeconds} ` +
      `syncTicks=${config.syncTicks} busyChanges=${config.busyChanges.join(',')} busyTicks=${config.busyTicks} ` +
      `bookings=${config.bookings} bookingBatch=${config.bookingBatch} ` +
      `availabilityWarmup=${config.availabilityWarmup} availabilityIterations=${config.availabilityIterations} ` +
      `smsReminders=${config.smsReminders} ` +
      `parts=${config.parts.join(',')} backends=${config.backends.join(',')}`,
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
