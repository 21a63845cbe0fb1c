// Properties of the planner around DST transitions, checked against Temporal directly (not the
// planner's own offset arithmetic): no reminder is planned inside quiet hours, none after its
// notAfter or before now, a planned time outside quiet hours is kept, a reschedule changes every key.
import fc from 'fast-check';
import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { planReminders } from '../../service/src/reminders/plan.ts';
import type { PlanInput, QuietHours, ReminderRule } from '../../service/src/reminders/types.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];

// Each zone's transitions in 2026-2027 (Kolkata has none: a few plain dates stand in).
const TRANSITIONS: Record<string, number[]> = Object.fromEntries(
  ZONES.map((zone) => {
    const found: number[] = [];
    let cursor = Temporal.Instant.from('2026-01-01T00:00:00Z').toZonedDateTimeISO(zone).getTimeZoneTransition('next');
    while (cursor && cursor.year < 2028) {
      found.push(cursor.epochMilliseconds);
      cursor = cursor.getTimeZoneTransition('next');
    }
    return [zone, found.length ? found : [Date.parse('2026-03-29T00:00:00Z'), Date.parse('2026-10-25T00:00:00Z')]];
  }),
);

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function minutesOf(value: string): number {
  const [hours, minutes] = value.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** Quiet by the recipient's wall clock, read straight from Temporal. */
function isQuietLocally(epochMs: number, zone: string, hours: QuietHours): boolean {
  const wall = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);
  const minute = wall.hour * 60 + wall.minute + (wall.second * 1000 + wall.millisecond) / MINUTE_MS;
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

// Boundaries often land in the hours where clocks change (00:00-03:30), so skipped and repeated
// boundaries are common; the rest are anywhere in the day.
const boundary = fc.oneof(
  fc.integer({ min: 0, max: 14 }).map((quarter) => quarter * 15),
  fc.constantFrom(8 * 60, 21 * 60, 20 * 60, 9 * 60),
  fc.integer({ min: 0, max: 24 * 60 - 1 }),
);

const rule = fc.record<ReminderRule>({
  id: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
  audience: fc.constantFrom('patient', 'staff'),
  offsetMinutes: fc.oneof(fc.constantFrom(0, 15, 60, 120, 1440, 2880), fc.integer({ min: 0, max: 4 * 1440 })),
  template: fc.constant('Hi {FirstName}'),
  ifPast: fc.constantFrom('skip', 'send-now'),
  appointmentTypeId: fc.constant(null),
});

const planInput = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    transitionIndex: fc.nat(),
    // The start within a few days of a transition, often within hours of it, on any minute.
    startShift: fc.oneof(
      fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
      fc.integer({ min: -12 * 60, max: 12 * 60 }),
    ),
    // Planned from five days before the start to a little after it, often the night before.
    nowBefore: fc.oneof(
      fc.integer({ min: -60 * MINUTE_MS, max: 5 * DAY_MS }),
      fc.integer({ min: 0, max: 16 * 60 }).map((minutes) => minutes * MINUTE_MS),
    ),
    rules: fc.uniqueArray(rule, { minLength: 1, maxLength: 4, selector: (r) => r.id }),
    quietStart: boundary,
    quietEnd: boundary,
  })
  .map(({ zone, transitionIndex, startShift, nowBefore, rules, quietStart, quietEnd }): PlanInput => {
    const transitions = TRANSITIONS[zone]!;
    const start = transitions[transitionIndex % transitions.length]! + startShift * MINUTE_MS;
    return {
      appointment: {
        orgId: 'org',
        appointmentId: 'appt',
        typeId: null,
        status: 'Scheduled',
        start,
        end: start + 30 * MINUTE_MS,
        timeZone: zone,
        smsConsent: true,
      },
      rules,
      optedOut: false,
      quietHours: { start: clock(quietStart), end: clock(quietEnd) },
      now: start - nowBefore,
    };
  });

const runs = { numRuns: 2000 };

t.test('no reminder is planned inside quiet hours, after notAfter or before now', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(planInput, (input) => {
        const plan = planReminders(input);
        for (const reminder of plan.reminders) {
          if (isQuietLocally(reminder.sendAt, input.appointment.timeZone, input.quietHours)) return false;
          if (reminder.sendAt > reminder.notAfter || reminder.notAfter > input.appointment.start) return false;
          if (reminder.sendAt < input.now) return false;
        }
        return plan.reminders.length + plan.skipped.length === input.rules.length;
      }),
      runs,
    ),
  );
});

t.test('a send time neither past nor quiet is kept; a past one is skipped or sent now, per rule', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(planInput, (input) => {
        const plan = planReminders(input);
        return input.rules.every((rule) => {
          const target = input.appointment.start - rule.offsetMinutes * MINUTE_MS;
          const planned = plan.reminders.find((r) => r.ruleId === rule.id);
          const skipped = plan.skipped.find((s) => s.ruleId === rule.id);
          if (target >= input.now && !isQuietLocally(target, input.appointment.timeZone, input.quietHours)) {
            return planned?.sendAt === target;
          }
          if (target < input.now && rule.ifPast === 'skip') return skipped?.reason === 'past';
          if (
            target < input.now &&
            planned &&
            !isQuietLocally(input.now, input.appointment.timeZone, input.quietHours)
          ) {
            return planned.sendAt === input.now;
          }
          return true;
        });
      }),
      runs,
    ),
  );
});

t.test('changing the start changes every dispatch key', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(planInput, fc.integer({ min: -7 * 24 * 60, max: 7 * 24 * 60 }).filter(Boolean), (input, shift) => {
        const moved = { ...input.appointment, start: input.appointment.start + shift * MINUTE_MS };
        const before = new Set(planReminders(input).reminders.map((r) => r.dispatchKey));
        const after = planReminders({ ...input, appointment: moved, now: input.now - 7 * DAY_MS }).reminders;
        return after.every(
          (r) => !before.has(r.dispatchKey) && r.dispatchKey.endsWith(new Date(moved.start).toISOString()),
        );
      }),
      runs,
    ),
  );
});

t.test('an appointment that is not Scheduled or Confirmed plans nothing', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        planInput,
        fc.constantFrom('Cancelled', 'No Show', 'Completed', 'Checked In', null),
        (input, status) => {
          const plan = planReminders({ ...input, appointment: { ...input.appointment, status } });
          return plan.reminders.length === 0 && plan.skipped.every((s) => s.reason === 'not_active');
        },
      ),
      runs,
    ),
  );
});
