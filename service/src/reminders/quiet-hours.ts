// Quiet hours: the wall-clock window, local to the recipient, in which no reminder is sent.
// Pure: the planner asks where the quiet period around an instant begins and ends, exactly across
// DST, by working per span of constant UTC offset (a wall time is then the instant plus the offset).
import type { EpochMs } from '../availability/types.ts';
import { offsetSegments } from '../availability/zone.ts';
import type { QuietHours } from './types.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The service's own window, and the least any org gets: an org may widen it (quiet from 20:00, or
 * until 09:00) but never narrow it (see clampQuietHours).
 */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?Z?$/;

/**
 * Quiet hours from the booking page's Salesforce Time fields ('21:00:00.000Z', 'HH:MM' too); an
 * empty field takes the default. Seconds round outward (a start earlier, an end later), so the
 * window is never shorter than the org wrote. Throws a TypeError for anything that is not a time.
 */
export function parseQuietHours(start?: string | null, end?: string | null): QuietHours {
  return {
    start: start ? clockMinutes(start, 'down', 'quiet hours start') : DEFAULT_QUIET_HOURS.start,
    end: end ? clockMinutes(end, 'up', 'quiet hours end') : DEFAULT_QUIET_HOURS.end,
  };
}

function clockMinutes(value: string, round: 'up' | 'down', what: string): string {
  const match = CLOCK.exec(value);
  if (!match) throw new TypeError(`${what}: "${value}" is not a time of day`);
  let minutes = Number(match[1]) * 60 + Number(match[2]);
  if (round === 'up' && Number(match[3] ?? 0) > 0) minutes = (minutes + 1) % (24 * 60);
  return formatMinutes(minutes);
}

/**
 * The org's window made at least as strict as `floor` (an overnight window, the default): each
 * boundary the org set is kept when it widens the floor, else replaced by the floor's. So the
 * result always includes the floor: with the default floor, the configured window must include
 * 21:00-08:00, and an org asking for 22:00-07:00 gets 21:00-08:00, one asking for 20:00-09:00
 * gets exactly that.
 */
export function clampQuietHours(orgHours: QuietHours, floor: QuietHours = DEFAULT_QUIET_HOURS): QuietHours {
  const floorStart = minutesOf(floor.start);
  const floorEnd = minutesOf(floor.end);
  const orgStart = minutesOf(orgHours.start);
  const orgEnd = minutesOf(orgHours.end);
  // A start widens the floor when it lies in the floor's allowed daytime, up to the floor's start.
  const start = withinArc(orgStart, floorEnd + 1, floorStart + 1) ? orgStart : floorStart;
  // An end widens it when it lies between the floor's end and the chosen start.
  const end = withinArc(orgEnd, floorEnd, start) ? orgEnd : floorEnd;
  return { start: formatMinutes(start), end: formatMinutes(end) };
}

// True when minute `m` lies in [from, to) going forward round the clock.
function withinArc(m: number, from: number, to: number): boolean {
  const day = 24 * 60;
  return mod(m - from, day) < mod(to - from, day);
}

/** Half-open span of instants. */
export interface Period {
  start: EpochMs;
  end: EpochMs;
}

/**
 * The quiet period containing `at` in `timeZone`, or undefined when `at` may be sent at. The period
 * is every instant whose local wall time lies in [start, end): a boundary in a skipped hour takes
 * effect at the transition; one in a repeated hour takes effect each time the wall clock shows it.
 * A period that does not end within a few days (an all-day window) comes back unbounded.
 */
export function quietPeriodAt(at: EpochMs, timeZone: string, quietHours: QuietHours): Period | undefined {
  const from = at - 3 * DAY_MS;
  const to = at + 3 * DAY_MS;
  const period = quietPeriods(timeZone, quietHours, from, to).find((p) => p.start <= at && at < p.end);
  if (!period) return undefined;
  return {
    start: period.start <= from ? -Infinity : period.start,
    end: period.end >= to ? Infinity : period.end,
  };
}

/** The quiet periods over [from, to), in order, adjacent ones merged (as across a transition). */
export function quietPeriods(timeZone: string, quietHours: QuietHours, from: EpochMs, to: EpochMs): Period[] {
  const quietStart = minutesOf(quietHours.start) * MINUTE_MS;
  const length = mod(minutesOf(quietHours.end) * MINUTE_MS - quietStart, DAY_MS);
  if (length === 0) return [];
  const periods: Period[] = [];
  for (const segment of offsetSegments(timeZone, from, to)) {
    const wallFrom = segment.start + segment.offsetMs;
    const wallTo = segment.end + segment.offsetMs;
    // The window that begins on local day k covers wall times [k·day + start, k·day + start + length).
    for (let k = Math.floor((wallFrom - quietStart - length) / DAY_MS); k * DAY_MS + quietStart < wallTo; k++) {
      const start = Math.max(k * DAY_MS + quietStart, wallFrom) - segment.offsetMs;
      const end = Math.min(k * DAY_MS + quietStart + length, wallTo) - segment.offsetMs;
      if (start >= end) continue;
      const last = periods.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else periods.push({ start, end });
    }
  }
  return periods;
}

function minutesOf(clock: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!match) throw new TypeError(`"${clock}" is not an HH:MM time`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
