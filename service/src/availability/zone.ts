// Time-zone facts the engine needs, read from Temporal once per zone and span, so that the hot
// loops can work in plain epoch milliseconds.
import { Temporal } from 'temporal-polyfill';
import type { EpochMs } from './types.ts';

/**
 * True for an IANA zone name Temporal knows ('Europe/London', 'UTC'; case-insensitive). Numeric
 * offsets such as '+05:30' are refused: people pick places, and a fixed offset hides DST.
 */
export function isValidTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name === '' || /^[+-]/.test(name)) return false;
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name);
    return true;
  } catch {
    return false;
  }
}

/** Throws a TypeError naming `what` unless `name` is a valid zone (see isValidTimeZone). */
export function requireTimeZone(name: string, what: string): void {
  if (!isValidTimeZone(name)) throw new TypeError(`${what}: "${String(name)}" is not a known IANA time zone`);
}

/** A span of instants over which a zone's UTC offset does not change. */
export interface OffsetSegment {
  start: EpochMs;
  end: EpochMs;
  /** Local wall-clock time minus UTC, in milliseconds. */
  offsetMs: number;
}

/**
 * The zone's offsets over [from, to): consecutive segments covering the span, one per offset in
 * force, split at each transition (DST start or end, or a change of standard time).
 */
export function offsetSegments(timeZone: string, from: EpochMs, to: EpochMs): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  let current = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(timeZone);
  let start = from;
  for (;;) {
    const offsetMs = current.offsetNanoseconds / 1e6;
    const next = current.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds >= to) {
      segments.push({ start, end: to, offsetMs });
      return segments;
    }
    segments.push({ start, end: next.epochMilliseconds, offsetMs });
    start = next.epochMilliseconds;
    current = next;
  }
}
