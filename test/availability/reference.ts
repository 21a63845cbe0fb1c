// An independent model of the availability engine for the property tests: it walks time in
// 15-minute cells and asks Temporal for every cell's wall-clock time, where the engine resolves
// rules through offset segments. Exact for inputs on a 15-minute grid (what the generators make):
// every zone tested has offsets in whole quarter hours, so open time changes only at cell edges.
import { Temporal } from 'temporal-polyfill';
import type { BusyInterval, ResourceAvailability, Slot, SlotRequest } from '../../service/src/availability/types.ts';

export const CELL_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export interface Wall {
  date: string;
  weekday: number;
  /** Minutes since local midnight. */
  minutes: number;
}

export function wallOf(instant: number, timeZone: string): Wall {
  const local = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone);
  return { date: local.toPlainDate().toString(), weekday: local.dayOfWeek, minutes: local.hour * 60 + local.minute };
}

function minutes(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h! * 60 + m!;
}

/** Whether a weekly rule of `resource` covers the wall-clock time `wall`. */
export function ruleCovers(resource: ResourceAvailability, wall: Wall): boolean {
  return resource.rules.some(
    (rule) =>
      rule.weekday === wall.weekday &&
      (rule.effectiveFrom === undefined || wall.date >= rule.effectiveFrom) &&
      (rule.effectiveTo === undefined || wall.date <= rule.effectiveTo) &&
      wall.minutes >= minutes(rule.startTime) &&
      wall.minutes < minutes(rule.endTime),
  );
}

/** Whether `resource` is open during the cell starting at `instant`: extra, or ruled and not closed. */
export function openAt(resource: ResourceAvailability, instant: number, wall: Wall): boolean {
  const inside = (kind: 'closed' | 'extra') =>
    resource.exceptions.some((e) => e.kind === kind && e.start <= instant && instant < e.end);
  return inside('extra') || (ruleCovers(resource, wall) && !inside('closed'));
}

/** Seats left for a start on one resource by checking every busy interval (0 = not free). */
export function naiveSeatsLeft(request: SlotRequest, resourceId: string, start: number): number {
  const { type } = request;
  const from = start - type.bufferBeforeMinutes * 60_000;
  const to = start + (type.durationMinutes + type.bufferAfterMinutes) * 60_000;
  let taken = 0;
  for (const busy of request.busy) {
    if (busy.resourceId !== resourceId) continue;
    if (ownSession(request, busy, start)) {
      taken += busy.session!.seats;
      continue;
    }
    // An empty interval takes no time.
    if (busy.end > busy.start && busy.start < to && busy.end > from) return 0;
  }
  return Math.max(0, type.capacity - taken);
}

export function ownSession(request: SlotRequest, busy: BusyInterval, start: number): boolean {
  return busy.session?.typeId === request.type.id && busy.session.start === start;
}

/** The slots the engine should return, computed cell by cell. */
export function referenceSlots(request: SlotRequest): Slot[] {
  const { type, now } = request;
  const earliest = Math.max(request.from, now + type.minimumNoticeMinutes * 60_000);
  const latest = Math.min(request.to, now + type.horizonDays * DAY_MS);
  const duration = type.durationMinutes * 60_000;
  const interval = type.slotIntervalMinutes * 60_000;
  const firstCell = Math.floor((earliest - 2 * DAY_MS) / CELL_MS) * CELL_MS;
  const lastCell = latest + 2 * DAY_MS;
  const slots = new Map<number, Slot>();
  if (earliest >= latest) return [];
  for (const resource of request.resources) {
    // Windows: maximal runs of open cells on one local date.
    const windows: { start: number; end: number; date: string }[] = [];
    let current: { start: number; end: number; date: string } | undefined;
    for (let cell = firstCell; cell < lastCell; cell += CELL_MS) {
      const wall = wallOf(cell, resource.timeZone);
      if (openAt(resource, cell, wall)) {
        if (current && current.end === cell && current.date === wall.date) current.end += CELL_MS;
        else windows.push((current = { start: cell, end: cell + CELL_MS, date: wall.date }));
      } else {
        current = undefined;
      }
    }
    for (const window of windows) {
      for (let start = window.start; start + duration <= window.end; start += interval) {
        if (start < earliest || start >= latest) continue;
        const seats = naiveSeatsLeft(request, resource.id, start);
        if (seats === 0) continue;
        const slot = slots.get(start);
        if (slot) {
          slot.resourceIds.push(resource.id);
          slot.seatsLeft = Math.max(slot.seatsLeft, seats);
        } else {
          slots.set(start, { start, end: start + duration, resourceIds: [resource.id], seatsLeft: seats });
        }
      }
    }
  }
  return [...slots.values()].sort((a, b) => a.start - b.start);
}
