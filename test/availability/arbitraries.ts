// fast-check generators of slot requests on a 15-minute grid, placed around the DST transitions
// of the zones the acceptance criteria name.
import fc from 'fast-check';
import type {
  AppointmentTypeRules,
  AvailabilityException,
  BusyInterval,
  IsoWeekday,
  ResourceAvailability,
  SlotRequest,
  WeeklyRule,
} from '../../service/src/availability/types.ts';
import { CELL_MS } from './reference.ts';

const DAY_MS = 86_400_000;

/** 2026's transitions (local dates); Asia/Kolkata has none, so it gets ordinary dates. */
export const TRANSITION_DATES: Record<string, string[]> = {
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Europe/London': ['2026-03-29', '2026-10-25'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
  'Asia/Kolkata': ['2026-03-08', '2026-10-04'],
};
export const ZONES = Object.keys(TRANSITION_DATES);

const TYPE_ID = 'type-a';

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Rule times in quarter hours, half of them in the small hours where the transitions are;
 * effective dates a few days either side of `firstDate`.
 */
const ruleArb = (firstDate: string): fc.Arbitrary<WeeklyRule> =>
  fc
    .record({
      weekday: fc.integer({ min: 1, max: 7 }),
      startQuarter: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 95 })),
      lengthQuarters: fc.integer({ min: 1, max: 40 }),
      from: fc.option(fc.integer({ min: -3, max: 5 }), { nil: undefined }),
      to: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    })
    .map(({ weekday, startQuarter, lengthQuarters, from, to }) => ({
      weekday: weekday as IsoWeekday,
      startTime: hhmm(startQuarter * 15),
      endTime: hhmm(Math.min(96, startQuarter + lengthQuarters) * 15),
      ...(from !== undefined ? { effectiveFrom: addDays(firstDate, from) } : {}),
      ...(to !== undefined && (from === undefined || to >= from) ? { effectiveTo: addDays(firstDate, to) } : {}),
    }));

/** Rules on every weekday most of the time, so that most scenarios have slots to check. */
const rulesArb = (firstDate: string) =>
  fc.oneof(
    fc.array(ruleArb(firstDate), { minLength: 1, maxLength: 4 }),
    fc
      .array(ruleArb(firstDate), { minLength: 1, maxLength: 2 })
      .map((rules) =>
        rules.flatMap((rule) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ ...rule, weekday: weekday as IsoWeekday }))),
      ),
  );

export interface Scenario {
  request: SlotRequest;
  /** The local date the scenario is built around (a transition date in most zones). */
  anchorDate: string;
}

/** Quarter-hour instants within a few days of `base`. */
const quarterArb = (base: number, days: number) =>
  fc.integer({ min: 0, max: (days * DAY_MS) / CELL_MS }).map((q) => base + q * CELL_MS);

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    anchorZone: fc.constantFrom(...ZONES),
    which: fc.integer({ min: 0, max: 1 }),
    lead: fc.integer({ min: 0, max: 2 }),
    resourceCount: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ anchorZone, which, lead, resourceCount }) => {
    const anchorDate = TRANSITION_DATES[anchorZone]![which]!;
    const firstDate = addDays(anchorDate, -lead);
    const base = Date.parse(`${firstDate}T00:00:00Z`) - DAY_MS;
    const resourceArb = (id: string): fc.Arbitrary<ResourceAvailability> =>
      fc
        .record({
          timeZone: fc.oneof(fc.constant(anchorZone), fc.constantFrom(...ZONES)),
          rules: rulesArb(firstDate),
          exceptions: fc.array(
            fc.record({
              kind: fc.constantFrom('closed' as const, 'extra' as const),
              start: quarterArb(base, 5),
              quarters: fc.integer({ min: 1, max: 48 }),
            }),
            { maxLength: 3 },
          ),
        })
        .map(({ timeZone, rules, exceptions }) => ({
          id,
          timeZone,
          rules,
          exceptions: exceptions.map(({ kind, start, quarters }): AvailabilityException => ({
            kind,
            start,
            end: start + quarters * CELL_MS,
          })),
        }));
    const ids = Array.from({ length: resourceCount }, (_, i) => `res-${i}`);
    const typeArb: fc.Arbitrary<AppointmentTypeRules> = fc.record({
      id: fc.constant(TYPE_ID),
      durationMinutes: fc.constantFrom(15, 30, 45, 60, 90),
      bufferBeforeMinutes: fc.constantFrom(0, 0, 15, 30),
      bufferAfterMinutes: fc.constantFrom(0, 0, 15, 30),
      slotIntervalMinutes: fc.constantFrom(15, 30, 45, 60),
      minimumNoticeMinutes: fc.constantFrom(0, 60, 24 * 60),
      horizonDays: fc.integer({ min: 1, max: 10 }),
      capacity: fc.constantFrom(1, 1, 2, 3),
    });
    const busyArb: fc.Arbitrary<BusyInterval> = fc
      .record({
        resourceId: fc.constantFrom(...ids),
        start: quarterArb(base, 5),
        quarters: fc.integer({ min: 0, max: 12 }),
        session: fc.option(
          fc.record({
            typeId: fc.constantFrom(TYPE_ID, 'type-b'),
            seats: fc.integer({ min: 1, max: 2 }),
            // A booking's busy interval starts its buffer before the session.
            bufferQuarters: fc.integer({ min: 0, max: 2 }),
          }),
          { nil: undefined },
        ),
      })
      .map(({ resourceId, start, quarters, session }) => ({
        resourceId,
        start,
        end: start + quarters * CELL_MS,
        ...(session
          ? {
              session: {
                typeId: session.typeId,
                seats: session.seats,
                start: start + session.bufferQuarters * CELL_MS,
              },
            }
          : {}),
      }));
    return fc
      .record({
        type: typeArb,
        resources: fc.tuple(...ids.map(resourceArb)),
        busy: fc.array(busyArb, { maxLength: 12 }),
        from: quarterArb(base, 2),
        spanQuarters: fc.integer({ min: 1, max: (4 * DAY_MS) / CELL_MS }),
        nowMinutes: fc.integer({ min: -3 * 24 * 60, max: 12 * 60 }),
      })
      .map(({ type, resources, busy, from, spanQuarters, nowMinutes }) => ({
        anchorDate,
        request: {
          type,
          resources,
          busy,
          from,
          to: from + spanQuarters * CELL_MS,
          now: from + nowMinutes * 60_000,
        },
      }));
  });
