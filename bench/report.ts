import { callsPerOp, ratio, type Basis, type ResultRow } from './results.ts';

const HEADERS = [
  '#',
  'backend',
  'measure',
  'n',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'throughput',
  'API calls',
  'ratio',
  'vs',
] as const;
const RIGHT_ALIGNED = new Set<string>(['#', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'throughput', 'API calls', 'ratio']);
const BASIS_LABEL: Record<Basis, string> = { p50: 'p50', throughput: 'time/op', calls: 'calls' };

/**
 * The rows as one plain-text table, then the rows' notes. `vs` names the baseline row by its
 * number and what is compared; a row with a note has its number in `[ ]` after its measure.
 * Timed rows fill the latency and throughput columns; counting rows fill `API calls` (per tick or
 * per booking, averaged over `n`).
 */
export function formatTable(rows: readonly ResultRow[]): string {
  const number = new Map(rows.map((row, index) => [row, index + 1]));
  const notes: string[] = [];
  const cells = rows.map((row, index) => {
    const { summary, calls, baseline } = row;
    const r = ratio(row);
    const base = baseline ? number.get(baseline.row) : undefined;
    if (baseline && base === undefined) throw new Error(`the baseline of "${row.measure}" is not in the table`);
    let measure = row.measure;
    if (row.note) {
      notes.push(`[${notes.length + 1}] #${index + 1}: ${row.note}`);
      measure += ` [${notes.length}]`;
    }
    return [
      String(index + 1),
      row.backend,
      measure,
      summary ? String(summary.count) : calls ? String(calls.samples) : '-',
      ms(summary?.p50),
      ms(summary?.p95),
      ms(summary?.p99),
      summary ? `${summary.opsPerSecond.toFixed(1)} ${row.unit}` : '-',
      calls ? `${callsPerOp(calls).toFixed(2)}/${calls.per}` : '-',
      r === undefined ? '-' : `${r.toFixed(2)}x`,
      baseline ? `#${base} ${BASIS_LABEL[baseline.basis]}` : 'baseline',
    ];
  });
  const table = [[...HEADERS], ...cells];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) => {
        const width = widths[column]!;
        return RIGHT_ALIGNED.has(HEADERS[column]!) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(table[0]!), rule, ...cells.map(render), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(3);
}
