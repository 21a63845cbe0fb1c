// Slots as the viewer sees them: grouped by day and labelled with wall-clock times in the zone
// the viewer chose, and the instants that bound a range of the viewer's days.
import { Temporal } from 'temporal-polyfill';
import type { DaySlots } from '../booking/types.ts';
import type { EpochMs, Slot } from './types.ts';
import { requireDate } from './validate.ts';
import { offsetSegments, requireTimeZone, type OffsetSegment } from './zone.ts';

export { isValidTimeZone } from './zone.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Slots (sorted by start) grouped by their local date in `timeZone`, days in order.
 *
 * A month of slots is thousands of them, and a Temporal object per slot was most of the time of a
 * slots request; so the zone's offsets are read from Temporal once for the span of the slots, and
 * each slot's wall clock is its instant plus the offset in force then: exact across DST, since
 * that is what an offset means.
 */
export function groupByLocalDay(slots: readonly Slot[], timeZone: string): DaySlots[] {
  requireTimeZone(timeZone, 'timeZone');
  const days: DaySlots[] = [];
  if (slots.length === 0) return days;
  const segments = segmentsCovering(slots, timeZone);
  const isoInstant = instantPrinter();
  let s = 0;
  let dayNumber = Number.NaN;
  let day: DaySlots | undefined;
  for (const slot of slots) {
    // Sorted slots only ever move the pointer forward; the backward step keeps any order correct.
    while (slot.start >= segments[s]!.end) s++;
    while (slot.start < segments[s]!.start) s--;
    const local = slot.start + segments[s]!.offsetMs;
    const localDay = Math.floor(local / DAY_MS);
    if (day === undefined || localDay !== dayNumber) {
      dayNumber = localDay;
      day = { date: isoDate(localDay), slots: [] };
      days.push(day);
    }
    const sinceMidnight = local - localDay * DAY_MS;
    day.slots.push({
      start: isoInstant(slot.start),
      end: isoInstant(slot.end),
      time: `${TWO_DIGITS[Math.floor(sinceMidnight / HOUR_MS)]}:${TWO_DIGITS[Math.floor((sinceMidnight % HOUR_MS) / MINUTE_MS)]}`,
      seatsLeft: slot.seatsLeft,
    });
  }
  return days;
}

/**
 * The instants of the local days fromDate…toDate (inclusive, 'YYYY-MM-DD') in `timeZone`: from the
 * start of fromDate to the start of the day after toDate. DST-exact: a day is 23 or 25 hours
 * when it has a transition, and a day that starts at 01:00 (a midnight transition) starts there.
 */
export function localDayRange(fromDate: string, toDate: string, timeZone: string): { from: EpochMs; to: EpochMs } {
  requireTimeZone(timeZone, 'timeZone');
  const first = requireDate(fromDate, 'from');
  const last = requireDate(toDate, 'to');
  if (Temporal.PlainDate.compare(last, first) < 0) throw new TypeError(`to (${toDate}) is before from (${fromDate})`);
  return {
    from: first.toZonedDateTime(timeZone).epochMilliseconds,
    to: last.add({ days: 1 }).toZonedDateTime(timeZone).epochMilliseconds,
  };
}

/** The zone's offsets from the earliest slot start to just after the latest. */
function segmentsCovering(slots: readonly Slot[], timeZone: string): OffsetSegment[] {
  let earliest = slots[0]!.start;
  let latest = earliest;
  for (const slot of slots) {
    if (slot.start < earliest) earliest = slot.start;
    else if (slot.start > latest) latest = slot.start;
  }
  return offsetSegments(timeZone, earliest, latest + 1);
}

/** 'YYYY-MM-DD' of a day counted from 1970-01-01. */
function isoDate(epochDay: number): string {
  // Date prints the proleptic Gregorian calendar, as Temporal does, and the same expanded years
  // ('+010000', '-000001') outside 0000…9999.
  return new Date(epochDay * DAY_MS).toISOString().slice(0, -14);
}

/**
 * Prints instants as '2026-11-23T09:30:00.000Z', the form the booking API sends and takes back
 * (Temporal's and Date's form). Slots crowd into few days, so each UTC date is printed once and
 * the time of day is put together from lookups: a Date per instant was most of the loop's time.
 */
function instantPrinter(): (epochMs: EpochMs) => string {
  let cachedDay = Number.NaN;
  let cachedDate = '';
  return (epochMs) => {
    const day = Math.floor(epochMs / DAY_MS);
    if (day !== cachedDay) {
      cachedDay = day;
      cachedDate = isoDate(day);
    }
    const sinceMidnight = epochMs - day * DAY_MS;
    const hours = Math.floor(sinceMidnight / HOUR_MS);
    const minutes = Math.floor((sinceMidnight % HOUR_MS) / MINUTE_MS);
    const seconds = Math.floor((sinceMidnight % MINUTE_MS) / 1000);
    const millis = sinceMidnight % 1000;
    return `${cachedDate}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
  };
}

/** '00' … '59', for hours, minutes and seconds. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** '000' … '999', for milliseconds. */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
