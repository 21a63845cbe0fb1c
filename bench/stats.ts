/** Latency percentiles and throughput of one timed series. */
export interface Summary {
  /** Operations timed. */
  count: number;
  /** Latency percentiles in milliseconds; undefined when only the total was timed. */
  p50?: number;
  p95?: number;
  p99?: number;
  /** Operations per second over the series' wall-clock time. */
  opsPerSecond: number;
}

/** Nearest-rank percentile (0 < p <= 100) of ascending-sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is outside (0, 100]`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Summarises per-operation latencies (ms) of a series that took `elapsedMs` in all. */
export function summarise(latenciesMs: readonly number[], elapsedMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    opsPerSecond: throughput(sorted.length, elapsedMs),
  };
}

/** Operations per second of `count` operations done in `elapsedMs`. */
export function throughput(count: number, elapsedMs: number): number {
  if (elapsedMs <= 0) throw new Error(`elapsed time ${elapsedMs} ms is not positive`);
  return (count * 1000) / elapsedMs;
}
