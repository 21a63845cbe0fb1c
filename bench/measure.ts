import { performance } from 'node:perf_hooks';
import { summarise, type Summary } from './stats.ts';

/** One operation of a series; `i` counts the series' operations from 0, warm-up included. */
export type Operation = (i: number) => Promise<unknown>;

/**
 * Timed operations are split into this many rounds, and the series being compared take turns
 * round by round, so a drift in the machine's speed during the run hits them alike.
 */
const ROUNDS = 5;

/**
 * Times each series: `warmup` untimed operations each, then `iterations` timed ones each, run one
 * after another, the series alternating by round. Returns one summary per series, in order.
 */
export async function compareSequential(series: readonly Operation[], warmup: number, iterations: number) {
  return compare(
    series.map((op) => {
      let i = 0;
      return async (count: number, latencies?: number[]) => {
        for (let n = 0; n < count; n++) {
          const before = performance.now();
          await op(i++);
          latencies?.push(performance.now() - before);
        }
      };
    }),
    warmup,
    iterations,
  );
}

/**
 * Like compareSequential, but each series is a set of concurrent clients (`clients[c]` is client
 * c's operation, so each can have its own connection); a client takes the series' next operation
 * when its previous one ends.
 */
export async function compareConcurrent(series: readonly (readonly Operation[])[], warmup: number, total: number) {
  return compare(
    series.map((clients) => {
      let i = 0;
      return async (count: number, latencies?: number[]) => {
        let started = 0;
        await Promise.all(
          clients.map(async (op) => {
            while (started < count) {
              started++;
              const before = performance.now();
              await op(i++);
              latencies?.push(performance.now() - before);
            }
          }),
        );
      };
    }),
    warmup,
    total,
  );
}

type Runner = (count: number, latencies?: number[]) => Promise<void>;

async function compare(runners: readonly Runner[], warmup: number, count: number): Promise<Summary[]> {
  for (const run of runners) await run(warmup);
  const latencies = runners.map(() => [] as number[]);
  const elapsed = runners.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    const share = Math.floor((count * (round + 1)) / ROUNDS) - Math.floor((count * round) / ROUNDS);
    for (const [s, run] of runners.entries()) {
      const start = performance.now();
      await run(share, latencies[s]);
      elapsed[s]! += performance.now() - start;
    }
  }
  return latencies.map((series, s) => summarise(series, elapsed[s]!));
}

/** Runs `warmup` untimed then `iterations` timed operations, one after another. */
export async function measureSequential(op: Operation, warmup: number, iterations: number): Promise<Summary> {
  const [summary] = await compareSequential([op], warmup, iterations);
  return summary!;
}

/** Rejects with a clear message when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
