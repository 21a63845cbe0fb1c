// Sets of instants as sorted, disjoint, non-touching half-open intervals [start, end).
import type { EpochMs } from './types.ts';

export interface Interval {
  start: EpochMs;
  end: EpochMs;
}

/** The union of `intervals` (any order, may overlap), as a sorted set; empty intervals dropped. */
export function union(intervals: readonly Interval[]): Interval[] {
  if (intervals.length === 1) return intervals[0]!.end > intervals[0]!.start ? [{ ...intervals[0]! }] : [];
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else merged.push({ start, end });
  }
  return merged;
}

/** `set` without the instants of `removed` (both sorted sets). */
export function subtract(set: readonly Interval[], removed: readonly Interval[]): Interval[] {
  if (removed.length === 0) return [...set];
  const result: Interval[] = [];
  let r = 0;
  for (const interval of set) {
    let start = interval.start;
    while (r < removed.length && removed[r]!.end <= start) r++;
    for (let k = r; k < removed.length && removed[k]!.start < interval.end; k++) {
      const cut = removed[k]!;
      if (cut.start > start) result.push({ start, end: cut.start });
      start = Math.max(start, cut.end);
    }
    if (start < interval.end) result.push({ start, end: interval.end });
  }
  return result;
}

/** The instants in both sorted sets. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i]!.start, b[j]!.start);
    const end = Math.min(a[i]!.end, b[j]!.end);
    if (start < end) result.push({ start, end });
    if (a[i]!.end < b[j]!.end) i++;
    else j++;
  }
  return result;
}
