import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue } from '../service/src/jobs/queue.ts';
import type { BenchBackend } from './backends.ts';
import type { Cleanup } from './cleanup.ts';
import type { BenchConfig } from './config.ts';
import { measureSequential, within } from './measure.ts';
import type { ResultRow } from './results.ts';
import { throughput } from './stats.ts';

export interface JobBaselines {
  /** Compared with job latency (p50): one Store round-trip on the same backend. */
  latency: ResultRow;
  /** Compared with job throughput (time per job): concurrent keyed Store writes on the same backend. */
  throughput: ResultRow;
}

const LATENCY_QUEUE = 'bench-latency';
const THROUGHPUT_QUEUE = 'bench-throughput';
/** One job sent alone that has not run by then is a failure of the run, not a measurement. */
const JOB_TIMEOUT_MS = 30_000;
/** Untimed jobs before each timed job series, at most. */
const MAX_JOB_WARMUP = 20;

interface BenchJob {
  /** Which series sent the job: handlers count only the jobs of the series being timed. */
  series: number;
  seq: number;
}

/**
 * The JobQueue (pg-boss with LISTEN/NOTIFY) on the backend's store: latency from `send` to the
 * handler running, one job at a time; then a burst of jobs sent at once, until every handler ran
 * or the deadline passed.
 */
export async function benchJobs(
  backend: BenchBackend,
  config: BenchConfig,
  cleanup: Cleanup,
  baselines: JobBaselines,
): Promise<ResultRow[]> {
  const errors: Error[] = [];
  /** Handlers of the series being timed wait here: `seq` → called when that job's handler runs. */
  const waiting = new Map<number, () => void>();
  let series = 0;
  const handler = async (job: BenchJob) => {
    if (job.series === series) waiting.get(job.seq)?.();
  };

  const queue = new JobQueue();
  queue.define(LATENCY_QUEUE, handler, { concurrency: 1, retryLimit: 0 });
  queue.define(THROUGHPUT_QUEUE, handler, { concurrency: config.jobConcurrency, retryLimit: 0 });
  await queue.start(backend.store, (error) => errors.push(error));
  cleanup.add('stop the job queue', () => queue.stop(5_000));

  /** Sends one job and waits until its handler ran. */
  const sendOne = (name: string) => async (seq: number) => {
    const handled = new Promise<void>((resolve) => waiting.set(seq, resolve));
    try {
      if (!(await queue.send(name, { series, seq }))) throw new Error(`job ${seq} of ${name} was not queued`);
      await within(handled, JOB_TIMEOUT_MS, `the handler of job ${seq} of ${name}`);
    } finally {
      waiting.delete(seq);
    }
  };
  const warmup = Math.min(config.warmup, MAX_JOB_WARMUP);

  series = 1;
  const latency: ResultRow = {
    backend: backend.name,
    measure: 'job send->handler, one at a time',
    unit: 'jobs/s',
    summary: await measureSequential(sendOne(LATENCY_QUEUE), warmup, config.jobIterations),
    baseline: { row: baselines.latency, basis: 'p50' },
  };

  // Warms the throughput queue one job at a time (a burst is what is measured next).
  series = 2;
  const warmOne = sendOne(THROUGHPUT_QUEUE);
  for (let seq = 0; seq < warmup; seq++) await warmOne(seq);

  series = 3;
  const burst = await sendBurst(queue, waiting, series, config);
  const enqueue: ResultRow = {
    backend: backend.name,
    measure: `job send, burst of ${config.jobs}`,
    unit: 'jobs/s',
    summary: { count: config.jobs, opsPerSecond: throughput(config.jobs, burst.sentAtMs) },
    baseline: { row: baselines.throughput, basis: 'throughput' },
  };
  const handled: ResultRow = {
    backend: backend.name,
    measure: `job burst of ${config.jobs} sent->all handled, concurrency ${config.jobConcurrency}`,
    unit: 'jobs/s',
    baseline: { row: baselines.throughput, basis: 'throughput' },
    ...(burst.handled === config.jobs
      ? { summary: { count: config.jobs, opsPerSecond: throughput(config.jobs, burst.lastHandledAtMs) } }
      : { note: unfinished(burst, config) }),
  };

  if (errors.length > 0) {
    throw new Error(`the job queue reported ${errors.length} error(s), first: ${errors[0]!.message}`, {
      cause: errors[0],
    });
  }
  return [latency, enqueue, handled];
}

interface Burst {
  /** Milliseconds from the first send until every send resolved. */
  sentAtMs: number;
  handled: number;
  /** Milliseconds from the first send until the last handler ran so far. */
  lastHandledAtMs: number;
  /** Jobs handled by each whole second after the first send. */
  handledBySecond: number[];
}

/** Sends `config.jobs` jobs at once; waits until all handlers ran or the deadline passed. */
async function sendBurst(
  queue: JobQueue,
  waiting: Map<number, () => void>,
  series: number,
  config: BenchConfig,
): Promise<Burst> {
  const deadlineMs = config.jobDeadlineSeconds * 1000;
  let handled = 0;
  let lastHandledAtMs = 0;
  let allDone = () => {};
  const allHandled = new Promise<void>((resolve) => (allDone = resolve));
  const start = performance.now();
  for (let seq = 0; seq < config.jobs; seq++) {
    waiting.set(seq, () => {
      waiting.delete(seq);
      handled++;
      lastHandledAtMs = performance.now() - start;
      if (handled === config.jobs) allDone();
    });
  }
  const handledBySecond: number[] = [];
  const sampler = setInterval(() => handledBySecond.push(handled), 1000);
  try {
    const ids = await Promise.all(
      Array.from({ length: config.jobs }, (_, seq) => queue.send(THROUGHPUT_QUEUE, { series, seq })),
    );
    const sentAtMs = performance.now() - start;
    if (ids.some((id) => !id)) throw new Error(`a job of the burst on ${THROUGHPUT_QUEUE} was not queued`);
    const remaining = deadlineMs - (performance.now() - start);
    const timer = new AbortController();
    await Promise.race([
      allHandled,
      sleep(Math.max(0, remaining), undefined, { signal: timer.signal }).catch(() => {}),
    ]);
    timer.abort();
    return { sentAtMs, handled, lastHandledAtMs, handledBySecond };
  } finally {
    clearInterval(sampler);
    waiting.clear();
  }
}

function unfinished(burst: Burst, config: BenchConfig): string {
  const lastAt = (burst.lastHandledAtMs / 1000).toFixed(2);
  return (
    `did not finish, so no throughput: ${burst.handled} of ${config.jobs} handlers had run when the ` +
    `${config.jobDeadlineSeconds} s deadline passed (BENCH_JOB_DEADLINE_SECONDS), the last ${lastAt} s after the ` +
    `first send; handled by each second: ${burst.handledBySecond.join(', ')}`
  );
}
