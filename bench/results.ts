import type { BackendName } from './config.ts';
import type { Summary } from './stats.ts';

/** What a row's ratio compares: median latency, or time per operation from throughput. */
export type Basis = 'p50' | 'throughput';

/** One measured series, as a row of the report. */
export interface ResultRow {
  backend: BackendName;
  measure: string;
  unit: 'ops/s' | 'jobs/s';
  /** What was measured; absent when the series did not finish, and `note` says why. */
  summary?: Summary;
  /** Printed under the table and referenced from the row. */
  note?: string;
  /** The row measured in the same run this one is compared with; absent on a pure baseline. */
  baseline?: { row: ResultRow; basis: Basis };
}

/**
 * Time per operation relative to the baseline's: p50 ÷ baseline p50, or baseline ops/s ÷ ops/s.
 * 1 is as fast as the baseline, 2 twice as slow.
 */
export function ratio(row: ResultRow): number | undefined {
  const base = row.baseline?.row.summary;
  if (!row.baseline || !row.summary || !base) return undefined;
  if (row.baseline.basis === 'throughput') return base.opsPerSecond / row.summary.opsPerSecond;
  if (row.summary.p50 === undefined || base.p50 === undefined) {
    throw new Error(`"${row.measure}" is compared by p50 with a row that has none`);
  }
  return row.summary.p50 / base.p50;
}
