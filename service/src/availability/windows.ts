// A resource's open time: its weekly rules, resolved from wall-clock times in its zone to
// instants, minus its `closed` exceptions, plus its `extra` ones, as windows that each belong to
// one local day.
//
// DST policy. A rule on local date D covers exactly the instants whose wall-clock reading in the
// resource's zone lies in [D startTime, D endTime). So:
// - a start (or end) in a skipped hour resolves to the first valid instant after the gap: on
//   America/New_York's spring-forward night 02:30–05:00 opens at 03:00 EDT;
// - the repeated hour of a fall-back night counts twice: 00:00–04:00 is 5 real hours, and no
//   instant is produced twice (each instant has exactly one wall-clock reading);
// - a rule that lies wholly inside a repeated hour (01:00–01:30 that night) is two windows.
// Windows are never merged across local days, so a day's slot grid does not depend on which other
// days were asked for.
import type { Interval } from './intervals.ts';
import { intersect, subtract, union } from './intervals.ts';
import type { ResourceAvailability } from './types.ts';
import type { OffsetSegment } from './zone.ts';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** A weekly rule as milliseconds into the local day, and its effective dates as local day numbers. */
interface DayRule {
  startMs: number;
  endMs: number;
  fromDay: number;
  toDay: number;
}

/** A resource's rules and exceptions, prepared once for many days. */
export interface PreparedResource {
  /** Rules by ISO weekday (index 1–7). */
  rulesByWeekday: DayRule[][];
  closed: Interval[];
  extra: Interval[];
}

/** Days since 1970-01-01 of a valid 'YYYY-MM-DD' (pure arithmetic, no clock). */
export function epochDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return Date.UTC(year!, month! - 1, day!) / DAY_MS;
}

/** ISO weekday (Monday 1 … Sunday 7) of a day number; 1970-01-01 was a Thursday. */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** Prepares a validated resource (see validate.ts). */
export function prepareResource(resource: ResourceAvailability): PreparedResource {
  const rulesByWeekday: DayRule[][] = Array.from({ length: 8 }, () => []);
  for (const rule of resource.rules) {
    rulesByWeekday[rule.weekday]!.push({
      startMs: minutesOf(rule.startTime) * MINUTE_MS,
      endMs: minutesOf(rule.endTime) * MINUTE_MS,
      fromDay: rule.effectiveFrom === undefined ? -Infinity : epochDay(rule.effectiveFrom),
      toDay: rule.effectiveTo === undefined ? Infinity : epochDay(rule.effectiveTo),
    });
  }
  const of = (kind: 'closed' | 'extra') => union(resource.exceptions.filter((e) => e.kind === kind));
  return { rulesByWeekday, closed: of('closed'), extra: of('extra') };
}

/**
 * The instants whose wall-clock reading lies in [wallStart, wallEnd), wall-clock times written as
 * if they were UTC epoch milliseconds; `segments` must cover those instants.
 */
function instantsReading(wallStart: number, wallEnd: number, segments: readonly OffsetSegment[]): Interval[] {
  const pieces: Interval[] = [];
  for (const { start, end, offsetMs } of segments) {
    const from = Math.max(wallStart - offsetMs, start);
    const to = Math.min(wallEnd - offsetMs, end);
    if (from < to) pieces.push({ start: from, end: to });
  }
  // Two pieces only on a transition day; most days have one.
  return pieces.length > 1 ? union(pieces) : pieces;
}

/**
 * The open windows of local days firstDay…lastDay (day numbers), sorted by start and disjoint.
 * `segments` must cover a day either side of those days. Buffers are not part of a window: a
 * resource may prepare before opening and clean up after closing.
 */
export function openWindows(
  resource: PreparedResource,
  segments: readonly OffsetSegment[],
  firstDay: number,
  lastDay: number,
): Interval[] {
  const windows: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = day * DAY_MS;
    const ruled: Interval[] = [];
    for (const rule of resource.rulesByWeekday[weekdayOf(day)]!) {
      if (day < rule.fromDay || day > rule.toDay) continue;
      for (const piece of instantsReading(midnight + rule.startMs, midnight + rule.endMs, segments)) ruled.push(piece);
    }
    const open = subtract(union(ruled), resource.closed);
    if (resource.extra.length === 0) {
      for (const window of open) windows.push(window);
      continue;
    }
    open.push(...intersect(resource.extra, instantsReading(midnight, midnight + DAY_MS, segments)));
    for (const window of union(open)) windows.push(window);
  }
  // Days follow one another in instants except where a zone steps back across midnight; windows
  // of different days never share an instant, so sorting restores the order.
  return windows.sort((a, b) => a.start - b.start);
}
