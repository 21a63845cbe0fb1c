// Reading what a booking page request asks for: its zone, its week and day, and what a refused
// booking offers instead.
import type { SlotView } from '../booking/types.ts';
import { HttpProblem } from '../problem.ts';
import { isCalendarDate } from './format.ts';
import { isTimeZone } from './time-zones.ts';

/** The chosen time was taken or is no longer bookable: the problem may carry the nearest free slots. */
export function nearestOf(error: unknown): string[] | undefined {
  if (!(error instanceof HttpProblem) || (error.code !== 'slot_taken' && error.code !== 'slot_unavailable')) {
    return undefined;
  }
  // booking/errors.ts SlotTakenProblem carries them as `extensions.nearest`.
  const nearest = (error as HttpProblem & { extensions?: { nearest?: unknown } }).extensions?.nearest;
  if (!Array.isArray(nearest)) return [];
  return nearest
    .map((slot: SlotView | string) => (typeof slot === 'string' ? slot : slot?.start))
    .filter((start): start is string => typeof start === 'string');
}

/** The zone a request asked for, checked, or the fallback; an unknown zone is a 400 page. */
export function zoneOf(asked: string | undefined, fallback: string): string {
  if (asked === undefined) return fallback;
  if (!isTimeZone(asked)) {
    throw new HttpProblem(400, 'invalid_time_zone', 'Unknown time zone');
  }
  return asked;
}

/** Today in the zone, and the week and day the query asks for (never before today). */
export function pickerDates(query: { week?: string; date?: string }, today: string): { week: string; date?: string } {
  for (const value of [query.week, query.date]) {
    if (value !== undefined && !isCalendarDate(value)) {
      throw new HttpProblem(400, 'invalid_request', 'Not a date');
    }
  }
  const asked = query.week ?? query.date ?? today;
  const week = asked < today ? today : asked;
  return { week, ...(query.date && query.date >= today ? { date: query.date } : {}) };
}

/** 'a=1&b=2' of the defined values, encoded. */
export function queryString(params: Record<string, string | undefined>): string {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return new URLSearchParams(defined).toString();
}
