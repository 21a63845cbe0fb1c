// Whether a resource's busy time leaves room for a slot, answered for ascending starts with a
// moving pointer, so a month of candidates costs one pass over the busy intervals.
import { union, type Interval } from './intervals.ts';
import type { AppointmentTypeRules, BusyInterval, EpochMs } from './types.ts';
import { MINUTE_MS } from './windows.ts';

/** Seats left at `start` (0 when the slot is not free). Call with starts in ascending order. */
export type SeatsLeft = (start: EpochMs) => number;

/**
 * `busy` are one resource's intervals. A slot at `start` needs its buffered interval
 * [start − bufferBefore, start + duration + bufferAfter) clear of them all, except the intervals of
 * its own session (this type, this start) while their seats add up to less than the capacity.
 */
export function seatsLeftAt(busy: readonly BusyInterval[], type: AppointmentTypeRules): SeatsLeft {
  const ownType = (b: BusyInterval) => b.session?.typeId === type.id;
  // Everything that is not a session of this type blocks whatever overlaps it: merged once.
  const blocking: Interval[] = union(busy.filter((b) => !ownType(b)));
  // Sessions of this type block other starts only; sorted by start, with the latest end so far,
  // so a backward scan from the candidate's end can stop as soon as nothing earlier reaches it.
  const sessions = busy.filter((b) => ownType(b) && b.end > b.start).sort((a, b) => a.start - b.start);
  const latestEnd: number[] = [];
  for (const [i, b] of sessions.entries()) latestEnd.push(Math.max(b.end, i > 0 ? latestEnd[i - 1]! : -Infinity));
  const seatsTaken = new Map<EpochMs, number>();
  for (const b of busy) {
    if (ownType(b)) seatsTaken.set(b.session!.start, (seatsTaken.get(b.session!.start) ?? 0) + b.session!.seats);
  }

  const before = type.bufferBeforeMinutes * MINUTE_MS;
  const after = (type.durationMinutes + type.bufferAfterMinutes) * MINUTE_MS;
  let next = 0;
  return (start) => {
    const from = start - before;
    const to = start + after;
    while (next < blocking.length && blocking[next]!.end <= from) next++;
    if (next < blocking.length && blocking[next]!.start < to) return 0;

    const taken = seatsTaken.get(start) ?? 0;
    if (taken >= type.capacity) return 0;
    for (let i = lastStartingBefore(sessions, to); i >= 0 && latestEnd[i]! > from; i--) {
      const session = sessions[i]!;
      if (session.end > from && session.session!.start !== start) return 0;
    }
    return type.capacity - taken;
  };
}

/** Index of the last interval (sorted by start) that starts before `instant`, or -1. */
function lastStartingBefore(sorted: readonly Interval[], instant: EpochMs): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.start < instant) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
