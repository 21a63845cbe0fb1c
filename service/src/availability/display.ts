// Slots as the viewer sees them: grouped by day and labelled with wall-clock times in the zone
// the viewer chose, and the instants that bound a range of the viewer's days.
import { Temporal } from 'temporal-polyfill';
import type { DaySlots } from '../booking/types.ts';
import type { EpochMs, Slot } from './types.ts';
import { requireDate } from './validate.ts';
import { requireTimeZone } from './zone.ts';

export { isValidTimeZone } from './zone.ts';

/** Slots (sorted by start) grouped by their local date in `timeZone`, days in order. */
export function groupByLocalDay(slots: readonly Slot[], timeZone: string): DaySlots[] {
  requireTimeZone(timeZone, 'timeZone');
  const days: DaySlots[] = [];
  for (const slot of slots) {
    const local = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(timeZone);
    const date = local.toPlainDate().toString();
    let day = days[days.length - 1];
    if (day?.date !== date) {
      day = { date, slots: [] };
      days.push(day);
    }
    day.slots.push({
      start: isoInstant(slot.start),
      end: isoInstant(slot.end),
      time: `${pad(local.hour)}:${pad(local.minute)}`,
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

/** '2026-11-23T09:30:00.000Z': the form the booking API sends and takes back. */
function isoInstant(epochMs: EpochMs): string {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ fractionalSecondDigits: 3 });
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
