/** Benchmark sizes, from BENCH_* environment variables with small defaults (a run of well under 90 s). */
export interface BenchConfig {
  /** Untimed operations before each timed series. */
  warmup: number;
  /** Timed operations per sequential series (store round-trips). */
  iterations: number;
  /** Concurrent clients in the concurrency series. */
  concurrency: number;
  /** Timed operations in each concurrency series, shared by the clients. */
  concurrentOps: number;
  /** Jobs sent one at a time in the job-latency series. */
  jobIterations: number;
  /** Jobs sent in one burst in the job-throughput series. */
  jobs: number;
  /** Handlers the job-throughput queue runs at once. */
  jobConcurrency: number;
  /** How long the job burst may take before it is reported unfinished. */
  jobDeadlineSeconds: number;
  /** Idle sync ticks (60 s apart, configuration checked at the service's default interval). */
  syncTicks: number;
  /** Appointments changed per 60 s between ticks, one busy series each; the emulated org holds the largest. */
  busyChanges: number[];
  /** Busy ticks per size in `busyChanges`, and idle ticks after each busy series. */
  busyTicks: number;
  /** Bookings written back one per outbox pass (and by the naive lookup-then-create baseline). */
  bookings: number;
  /** Bookings queued together and delivered in one outbox pass. */
  bookingBatch: number;
  /** Untimed, then timed, computations of a month of slots (and of its naive baseline). */
  availabilityWarmup: number;
  availabilityIterations: number;
  /** Reminders dispatched to the Twilio stand-in per series (and raw sends in its baseline). */
  smsReminders: number;
  /** Parts of the bench to run, in order. */
  parts: BenchPart[];
  /** Backends to run, in order. */
  backends: BackendName[];
  /** Administrative URL of the PostgreSQL the throwaway database is created on. */
  postgresUrl: string;
}

/** A BENCH_* variable that cannot be used: reported without a stack trace. */
export class BenchConfigError extends Error {
  override name = 'BenchConfigError';
}

export type BackendName = 'pglite' | 'postgres';

const BACKEND_NAMES: readonly BackendName[] = ['pglite', 'postgres'];

/**
 * `store`: Store round-trips; `jobs`: the JobQueue (its baselines are store rows, so it brings
 * `store` along); `salesforce`: API calls per sync tick and per booking against the org emulator;
 * `availability`: the slot engine, compute only (no backend); `public-api`: the public slots endpoint
 * over HTTP, the whole app against the org emulator, beside a bare Fastify route; `sms`: reminder
 * dispatch to the Twilio stand-in, one and two instances, beside raw SDK sends.
 */
export type BenchPart = 'store' | 'jobs' | 'salesforce' | 'availability' | 'public-api' | 'sms';

const PART_NAMES: readonly BenchPart[] = ['store', 'jobs', 'salesforce', 'availability', 'public-api', 'sms'];

export const ENV_HELP =
  'BENCH_WARMUP, BENCH_ITERATIONS, BENCH_CONCURRENCY, BENCH_CONCURRENT_OPS, BENCH_JOB_ITERATIONS, BENCH_JOBS, ' +
  'BENCH_JOB_CONCURRENCY, BENCH_JOB_DEADLINE_SECONDS, BENCH_SYNC_TICKS, BENCH_BUSY_CHANGES (e.g. 10,100,1000), ' +
  'BENCH_BUSY_TICKS, BENCH_BOOKINGS, BENCH_BOOKING_BATCH, BENCH_AVAILABILITY_WARMUP, BENCH_AVAILABILITY_ITERATIONS, ' +
  'BENCH_SMS_REMINDERS, BENCH_ONLY (store,jobs,salesforce,availability,public-api,sms), ' +
  'BENCH_BACKENDS (pglite,postgres), BENCH_POSTGRES_URL';

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    warmup: count(env, 'BENCH_WARMUP', 200, 0),
    iterations: count(env, 'BENCH_ITERATIONS', 1000),
    concurrency: count(env, 'BENCH_CONCURRENCY', 8),
    concurrentOps: count(env, 'BENCH_CONCURRENT_OPS', 2000),
    jobIterations: count(env, 'BENCH_JOB_ITERATIONS', 100),
    jobs: count(env, 'BENCH_JOBS', 500),
    jobConcurrency: count(env, 'BENCH_JOB_CONCURRENCY', 8),
    jobDeadlineSeconds: count(env, 'BENCH_JOB_DEADLINE_SECONDS', 15),
    syncTicks: count(env, 'BENCH_SYNC_TICKS', 20),
    busyChanges: counts(env, 'BENCH_BUSY_CHANGES', [10, 100, 1000, 2500]),
    busyTicks: count(env, 'BENCH_BUSY_TICKS', 3),
    bookings: count(env, 'BENCH_BOOKINGS', 20),
    bookingBatch: count(env, 'BENCH_BOOKING_BATCH', 100),
    availabilityWarmup: count(env, 'BENCH_AVAILABILITY_WARMUP', 3, 0),
    availabilityIterations: count(env, 'BENCH_AVAILABILITY_ITERATIONS', 20),
    smsReminders: count(env, 'BENCH_SMS_REMINDERS', 500),
    parts: parts(env.BENCH_ONLY),
    backends: backends(env.BENCH_BACKENDS),
    postgresUrl: env.BENCH_POSTGRES_URL ?? env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new BenchConfigError(`${name}=${text} is not an integer >= ${min}`);
  }
  return value;
}

/** A comma-separated list of integers >= 1, kept in the order given, without repeats. */
function counts(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const values = text.split(',').map((item) => {
    const value = Number(item.trim());
    if (item.trim() === '' || !Number.isSafeInteger(value) || value < 1) {
      throw new BenchConfigError(`${name}=${text} is not a comma-separated list of integers >= 1`);
    }
    return value;
  });
  return [...new Set(values)];
}

function parts(text: string | undefined): BenchPart[] {
  if (text === undefined || text.trim() === '') return [...PART_NAMES];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(PART_NAMES as readonly string[]).includes(name)) {
      throw new BenchConfigError(`BENCH_ONLY names an unknown part "${name}" (known: ${PART_NAMES.join(', ')})`);
    }
  }
  // The job rows are compared with store rows, so jobs brings the store part along.
  if (names.includes('jobs')) names.push('store');
  return PART_NAMES.filter((name) => names.includes(name));
}

function backends(text: string | undefined): BackendName[] {
  if (text === undefined || text.trim() === '') return [...BACKEND_NAMES];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new BenchConfigError(
        `BENCH_BACKENDS names an unknown backend "${name}" (known: ${BACKEND_NAMES.join(', ')})`,
      );
    }
  }
  return [...new Set(names)] as BackendName[];
}
