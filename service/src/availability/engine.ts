// The availability engine: which start times can be booked. A pure function of its request (the
// clock is `request.now`), exact across DST (see windows.ts for the policy).
import { seatsLeftAt } from './busy.ts';
import type { BusyInterval, Slot, SlotRequest } from './types.ts';
import { validateRequest } from './validate.ts';
import { DAY_MS, MINUTE_MS, openWindows, prepareResource } from './windows.ts';
import { offsetSegments, type OffsetSegment } from './zone.ts';

/**
 * The bookable slots of `request.type`, one per start instant, sorted by start. A start is
 * bookable on a resource when the appointment [start, start + duration) lies inside one of its
 * open windows, on the window's grid (window start + k × slotInterval), its buffered interval is
 * clear of the resource's busy time (see busy.ts), start ≥ now + minimum notice,
 * start < now + horizonDays × 24 h, and from ≤ start < to. Throws a TypeError on invalid input.
 */
export function computeSlots(request: SlotRequest): Slot[] {
  validateRequest(request);
  const { type, now } = request;
  const earliest = Math.max(request.from, now + type.minimumNoticeMinutes * MINUTE_MS);
  const latest = Math.min(request.to, now + type.horizonDays * DAY_MS);
  if (earliest >= latest) return [];

  const duration = type.durationMinutes * MINUTE_MS;
  const interval = type.slotIntervalMinutes * MINUTE_MS;
  // A local day's windows lie within 14 hours of its UTC day either way (the widest offsets are
  // UTC−12 and UTC+14), so these days hold every window a start in [earliest, latest) can be in.
  const firstDay = Math.floor(earliest / DAY_MS) - 1;
  const lastDay = Math.floor(latest / DAY_MS) + 1;
  const segmentsByZone = new Map<string, OffsetSegment[]>();
  const busyByResource = groupBusy(request.busy);

  const slots = new Map<number, Slot>();
  for (const resource of request.resources) {
    let segments = segmentsByZone.get(resource.timeZone);
    if (!segments) {
      segments = offsetSegments(resource.timeZone, (firstDay - 1) * DAY_MS, (lastDay + 2) * DAY_MS);
      segmentsByZone.set(resource.timeZone, segments);
    }
    const seatsLeft = seatsLeftAt(busyByResource.get(resource.id) ?? [], type);
    for (const window of openWindows(prepareResource(resource), segments, firstDay, lastDay)) {
      const steps = Math.max(0, Math.ceil((earliest - window.start) / interval));
      for (let start = window.start + steps * interval; start < latest; start += interval) {
        if (start + duration > window.end) break;
        const seats = seatsLeft(start);
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

function groupBusy(busy: readonly BusyInterval[]): Map<string, BusyInterval[]> {
  const byResource = new Map<string, BusyInterval[]>();
  for (const interval of busy) {
    const list = byResource.get(interval.resourceId);
    if (list) list.push(interval);
    else byResource.set(interval.resourceId, [interval]);
  }
  return byResource;
}
