// Properties of the engine on generated requests around the DST transitions of America/New_York,
// Europe/London, Australia/Lord_Howe (a 30-minute shift) and Asia/Kolkata (a half-hour offset).
import fc from 'fast-check';
import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { computeSlots } from '../../service/src/availability/engine.ts';
import type { Slot, SlotRequest } from '../../service/src/availability/types.ts';
import { scenarioArb, ZONES } from './arbitraries.ts';
import { CELL_MS, naiveSeatsLeft, openAt, ownSession, referenceSlots, ruleCovers, wallOf } from './reference.ts';

const RUNS = 150;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function resourceOf(request: SlotRequest, id: string) {
  return request.resources.find((r) => r.id === id)!;
}

t.test('no slot overlaps a busy interval with its buffers, except seats of its own session', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(scenarioArb, ({ request }) => {
          const { type } = request;
          for (const slot of computeSlots(request)) {
            const from = slot.start - type.bufferBeforeMinutes * MINUTE_MS;
            const to = slot.end + type.bufferAfterMinutes * MINUTE_MS;
            for (const id of slot.resourceIds) {
              let taken = 0;
              for (const busy of request.busy) {
                if (busy.resourceId !== id) continue;
                if (ownSession(request, busy, slot.start)) taken += busy.session!.seats;
                else if (busy.end > busy.start && busy.start < to && busy.end > from) return false;
              }
              if (taken >= type.capacity) return false;
            }
          }
          return true;
        }),
        { numRuns: RUNS },
      ),
    'the property held for every generated case',
  );
});

t.test('every slot lies within the rules and exceptions of each resource it names, on one local day', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(scenarioArb, ({ request }) => {
          for (const slot of computeSlots(request)) {
            for (const id of slot.resourceIds) {
              const resource = resourceOf(request, id);
              const startWall = wallOf(slot.start, resource.timeZone);
              for (let cell = slot.start; cell < slot.end; cell += CELL_MS) {
                const wall = wallOf(cell, resource.timeZone);
                if (wall.date !== startWall.date || !openAt(resource, cell, wall)) return false;
              }
              // The start is a weekly-rule time of its own local weekday unless an extra opening covers it.
              const inExtra = resource.exceptions.some(
                (e) => e.kind === 'extra' && e.start <= slot.start && slot.start < e.end,
              );
              if (!inExtra && !ruleCovers(resource, startWall)) return false;
            }
          }
          return true;
        }),
        { numRuns: RUNS },
      ),
    'the property held for every generated case',
  );
});

t.test('starts are unique and sorted; range, notice, horizon, duration and seats respected', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(scenarioArb, ({ request }) => {
          const { type, now } = request;
          const slots = computeSlots(request);
          for (const [i, slot] of slots.entries()) {
            if (i > 0 && !(slot.start > slots[i - 1]!.start)) return false;
            if (slot.start < request.from || slot.start >= request.to) return false;
            if (slot.start < now + type.minimumNoticeMinutes * MINUTE_MS) return false;
            if (slot.start >= now + type.horizonDays * DAY_MS) return false;
            if (slot.end - slot.start !== type.durationMinutes * MINUTE_MS) return false;
            if (slot.resourceIds.length === 0 || new Set(slot.resourceIds).size !== slot.resourceIds.length)
              return false;
            const seats = slot.resourceIds.map((id) => naiveSeatsLeft(request, id, slot.start));
            if (slot.seatsLeft !== Math.max(...seats) || slot.seatsLeft < 1) return false;
          }
          return true;
        }),
        { numRuns: RUNS },
      ),
    'the property held for every generated case',
  );
});

t.test('the engine agrees with a cell-by-cell model that asks Temporal for every wall-clock time', async (t) => {
  fc.assert(
    fc.property(scenarioArb, ({ request }) => {
      t.strictSame(computeSlots(request), referenceSlots(request));
      return true;
    }),
    { numRuns: 60 },
  );
});

t.test('a narrower range returns the same slots as a wider one, cut to it', async (t) => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), fc.nat(), ({ request }, a, b) => {
      const span = (request.to - request.from) / CELL_MS;
      const from = request.from + (a % span) * CELL_MS;
      const to = Math.min(request.to, from + ((b % span) + 1) * CELL_MS);
      const wide = computeSlots(request).filter((s) => s.start >= from && s.start < to);
      t.strictSame(computeSlots({ ...request, from, to }), wide);
      return true;
    }),
    { numRuns: RUNS },
  );
});

/** Whole-day rules in each zone, over the transition, with a 15-minute grid. */
function roundTheClock(timeZone: string, date: string): { slots: Slot[]; request: SlotRequest } {
  const from = Temporal.PlainDate.from(date).toZonedDateTime(timeZone).epochMilliseconds;
  const request: SlotRequest = {
    type: {
      id: 'x',
      durationMinutes: 15,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      slotIntervalMinutes: 15,
      minimumNoticeMinutes: 0,
      horizonDays: 30,
      capacity: 1,
    },
    resources: [
      {
        id: 'r',
        timeZone,
        rules: ([1, 2, 3, 4, 5, 6, 7] as const).map((weekday) => ({ weekday, startTime: '00:00', endTime: '24:00' })),
        exceptions: [],
      },
    ],
    busy: [],
    from,
    to: Temporal.PlainDate.from(date).add({ days: 1 }).toZonedDateTime(timeZone).epochMilliseconds,
    now: from - DAY_MS,
  };
  return { slots: computeSlots(request), request };
}

t.test('every quarter hour of a transition day that exists on the clock is a slot, once', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ZONES),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: -1, max: 1 }),
      (zone, which, shift) => {
        const dates: Record<string, string[]> = {
          'America/New_York': ['2026-03-08', '2026-11-01'],
          'Europe/London': ['2026-03-29', '2026-10-25'],
          'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
          'Asia/Kolkata': ['2026-03-08', '2026-10-04'],
        };
        const date = Temporal.PlainDate.from(dates[zone]![which]!).add({ days: shift }).toString();
        const { slots, request } = roundTheClock(zone, date);
        // The day's length in real time, by Temporal; one 15-minute slot per quarter of it.
        const dayMs = request.to - request.from;
        t.equal(slots.length, dayMs / CELL_MS, `${zone} ${date}`);
        t.equal(new Set(slots.map((s) => s.start)).size, slots.length, 'no instant twice');
        // Each slot is on this local date, and its wall time maps back to it (as the earlier or the
        // later reading when the hour repeats): no slot at a wall time the clock skipped.
        const wrong = slots.filter((slot) => {
          const local = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(zone);
          const wall = local.toPlainDateTime();
          const readings = (['earlier', 'later'] as const).map(
            (disambiguation) => wall.toZonedDateTime(zone, { disambiguation }).epochMilliseconds,
          );
          return local.toPlainDate().toString() !== date || !readings.includes(slot.start);
        });
        t.strictSame(wrong, [], 'every slot on its day, at a wall time that exists');
        return true;
      },
    ),
    { numRuns: 30 },
  );
});
