import type { BackendName } from './config.ts';
import type { Summary } from './stats.ts';

/** What a row's ratio compares: median latency, time per operation from throughput, or API calls per operation. */
export type Basis = 'p50' | 'throughput' | 'calls';

/** Salesforce API calls counted (not timed) over `samples` operations: exact numbers, no percentiles. */
export interface CallCount {
  /** Operations counted: sync ticks or bookings. */
  samples: number;
  /** API calls the org counted over all of them. */
  calls: number;
  per: 'tick' | 'booking';
}

/** One measured series, as a row of the report. */
export interface ResultRow {
  /** '-' on compute-only rows, which use no backend. */
  backend: BackendName | '-';
  measure: string;
  /** Of the throughput column: timed rows only. */
  unit?: 'ops/s' | 'jobs/s';
  /** What was measured; absent when the series did not finish, and `note` says why. */
  summary?: Summary;
  /** What was counted, on rows that count API calls instead of timing. */
  calls?: CallCount;
  /** Printed under the table and referenced from the row. */
  note?: string;
  /** The row measured in the same run this one is compared with; absent on a pure baseline. */
  baseline?: { row: ResultRow; basis: Basis };
}

/** API calls per operation of a counting row. */
export function callsPerOp(count: CallCount): number {
  return count.calls / count.samples;
}

/**
 * Time per operation relative to the baseline's: p50 ÷ baseline p50, or baseline ops/s ÷ ops/s;
 * or API calls per operation ÷ the baseline's. 1 is as fast (as few calls) as the baseline, 2 twice as slow (many).
 */
export function ratio(row: ResultRow): number | undefined {
  if (row.baseline?.basis === 'calls') {
    const base = row.baseline.row.calls;
    if (!row.calls || !base) return undefined;
    if (base.calls === 0) throw new Error(`"${row.measure}" is compared with a baseline that made no API calls`);
    return callsPerOp(row.calls) / callsPerOp(base);
  }
  const base = row.baseline?.row.summary;
  if (!row.baseline || !row.summary || !base) return undefined;
  if (row.baseline.basis === 'throughput') return base.opsPerSecond / row.summary.opsPerSecond;
  if (row.summary.p50 === undefined || base.p50 === undefined) {
    throw new Error(`"${row.measure}" is compared by p50 with a row that has none`);
  }
  return row.summary.p50 / base.p50;
}
