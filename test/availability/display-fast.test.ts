// groupByLocalDay works out wall clocks from offsets read once per request; these properties hold
// it to the plain way, a Temporal ZonedDateTime per slot, around DST transitions and elsewhere.
import fc from 'fast-check';
import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { groupByLocalDay } from '../../service/src/availability/display.ts';
import type { Slot } from '../../service/src/availability/types.ts';
import type { DaySlots } from '../../service/src/booking/types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];

/** The straightforward reading: each slot's local date and time from its own ZonedDateTime. */
function referenceGroupByLocalDay(slots: readonly Slot[], timeZone: string): DaySlots[] {
  const days: DaySlots[] = [];
  for (const slot of slots) {
    const local = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(timeZone);
    const date = local.toPlainDate().toString();
    let day = days[days.length - 1];
    if (day?.date !== date) {
      day = { date, slots: [] };
      days.push(day);
    }
    const iso = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toString({ fractionalSecondDigits: 3 });
    day.slots.push({
      start: iso(slot.start),
      end: iso(slot.end),
      time: `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`,
      seatsLeft: slot.seatsLeft,
    });
  }
  return days;
}

/** Every offset change of `timeZone` from 2019 to 2031, as instants; none for Asia/Kolkata. */
function transitions(timeZone: string): number[] {
  const found: number[] = [];
  let current = Temporal.Instant.from('2019-01-01T00:00:00Z').toZonedDateTimeISO(timeZone);
  const end = Date.parse('2031-01-01T00:00:00Z');
  for (;;) {
    const next = current.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds >= end) return found;
    found.push(next.epochMilliseconds);
    current = next;
  }
}

const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitions(zone)]));

t.test('the zones have the transitions the properties are placed around', async (t) => {
  for (const zone of ZONES) {
    if (zone === 'Asia/Kolkata') t.equal(TRANSITIONS.get(zone)!.length, 0, zone);
    else t.ok(TRANSITIONS.get(zone)!.length >= 20, `${zone}: two a year`);
  }
});

/** Sorted slots within two days either side of an instant near a transition (or any 2026 instant). */
const nearTransition = fc
  .constantFrom(...ZONES)
  .chain((zone) => {
    const instants = TRANSITIONS.get(zone)!;
    const anchor =
      instants.length > 0
        ? fc.constantFrom(...instants)
        : fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') });
    return fc.tuple(fc.constant(zone), anchor);
  })
  .chain(([zone, anchor]) =>
    fc.tuple(
      fc.constant(zone),
      fc.integer({ min: anchor - 48 * HOUR_MS, max: anchor + 12 * HOUR_MS }),
      fc.array(
        fc.record({
          // Mostly whole quarter hours, as slots are; now and then any millisecond.
          gap: fc.oneof(
            fc.integer({ min: 0, max: 8 }).map((n) => n * 15 * MINUTE_MS),
            fc.integer({ min: 0, max: 6 * HOUR_MS }),
          ),
          minutes: fc.integer({ min: 5, max: 240 }),
          seatsLeft: fc.integer({ min: 1, max: 12 }),
        }),
        { maxLength: 60 },
      ),
    ),
  )
  .map(([zone, first, steps]) => {
    const slots: Slot[] = [];
    let start = first - (first % MINUTE_MS);
    for (const step of steps) {
      start += step.gap;
      slots.push({ start, end: start + step.minutes * MINUTE_MS, resourceIds: ['r'], seatsLeft: step.seatsLeft });
    }
    return { zone, slots };
  });

t.test('grouping equals a ZonedDateTime per slot, around DST transitions', async (t) => {
  fc.assert(
    fc.property(nearTransition, ({ zone, slots }) => {
      t.strictSame(groupByLocalDay(slots, zone), referenceGroupByLocalDay(slots, zone));
    }),
    { numRuns: 400 },
  );
});

t.test('grouping equals a ZonedDateTime per slot for any instants, in any order, 1900 to 2100', async (t) => {
  const anyInstant = fc.integer({ min: Date.parse('1900-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') });
  fc.assert(
    fc.property(
      fc.constantFrom(...ZONES),
      fc.array(
        anyInstant.map((start) => ({ start, end: start + 30 * MINUTE_MS, resourceIds: ['r'], seatsLeft: 1 })),
        { maxLength: 20 },
      ),
      (zone, slots) => {
        t.strictSame(groupByLocalDay(slots, zone), referenceGroupByLocalDay(slots, zone));
      },
    ),
    { numRuns: 200 },
  );
});

t.test('the slot just before and just after each transition reads the offset in force at its instant', async (t) => {
  for (const zone of ZONES) {
    for (const instant of TRANSITIONS.get(zone)!) {
      const slots = [instant - 1, instant, instant + 1].map((start) => ({
        start,
        end: start + 30 * MINUTE_MS,
        resourceIds: ['r'],
        seatsLeft: 1,
      }));
      t.strictSame(groupByLocalDay(slots, zone), referenceGroupByLocalDay(slots, zone), `${zone} ${instant}`);
    }
  }
});
