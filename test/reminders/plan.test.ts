import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { LATE_SEND_MARGIN_MS, planReminders } from '../../service/src/reminders/plan.ts';
import {
  clampQuietHours,
  DEFAULT_QUIET_HOURS,
  parseQuietHours,
  quietPeriodAt,
} from '../../service/src/reminders/quiet-hours.ts';
import type { PlanInput, PlannableAppointment, ReminderRule } from '../../service/src/reminders/types.ts';

const LONDON = 'Europe/London';

/** The instant of a local wall time ('2026-11-24T09:00') in `zone` (an existing, unambiguous one). */
function at(local: string, zone: string): number {
  return Temporal.PlainDateTime.from(local).toZonedDateTime(zone, { disambiguation: 'reject' }).epochMilliseconds;
}

/** An instant as local wall time, 'YYYY-MM-DDTHH:MM' (seconds when not zero). */
function local(epochMs: number, zone: string): string {
  const text = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).toPlainDateTime().toString();
  return text.replace(/:00$/, '');
}

function rule(overrides: Partial<ReminderRule> = {}): ReminderRule {
  return {
    id: 'rule-2h',
    audience: 'patient',
    offsetMinutes: 120,
    template: 'Hi {FirstName}, see you at {Time}.',
    ifPast: 'skip',
    appointmentTypeId: null,
    ...overrides,
  };
}

function appointment(
  start: string,
  zone = LONDON,
  overrides: Partial<PlannableAppointment> = {},
): PlannableAppointment {
  const startMs = at(start, zone);
  return {
    orgId: 'org-1',
    appointmentId: 'appt-1',
    typeId: 'type-checkup',
    status: 'Scheduled',
    start: startMs,
    end: startMs + 30 * 60_000,
    timeZone: zone,
    smsConsent: true,
    ...overrides,
  };
}

function plan(overrides: Partial<PlanInput> & { appointment: PlannableAppointment; now: number }) {
  return planReminders({ rules: [rule()], optedOut: false, quietHours: DEFAULT_QUIET_HOURS, ...overrides });
}

/** The single reminder's send time as local wall time, or the skip reason. */
function sendsAt(input: Parameters<typeof plan>[0]): string {
  const result = plan(input);
  const reminder = result.reminders[0];
  return reminder ? local(reminder.sendAt, input.appointment.timeZone) : `skipped: ${result.skipped[0]?.reason}`;
}

t.test('a reminder outside quiet hours goes at its time, until the start, under its dispatch key', async (t) => {
  const appt = appointment('2026-11-24T10:00');
  const result = plan({
    appointment: appt,
    rules: [rule({ id: 'day-before', offsetMinutes: 1440 }), rule({ id: 'two-hours', audience: 'staff' })],
    now: at('2026-11-20T12:00', LONDON),
  });
  t.same(result.skipped, []);
  t.same(
    result.reminders.map((r) => ({ ...r, sendAt: local(r.sendAt, LONDON) })),
    [
      {
        dispatchKey: 'appt-1:day-before:2026-11-24T10:00:00.000Z',
        ruleId: 'day-before',
        audience: 'patient',
        sendAt: '2026-11-23T10:00',
        notAfter: appt.start,
        appointmentStart: appt.start,
      },
      {
        dispatchKey: 'appt-1:two-hours:2026-11-24T10:00:00.000Z',
        ruleId: 'two-hours',
        audience: 'staff',
        sendAt: '2026-11-24T08:00',
        notAfter: appt.start,
        appointmentStart: appt.start,
      },
    ],
  );
});

t.test('a send time in quiet hours moves earlier, to the last minute before they began', async (t) => {
  const appt = appointment('2026-11-24T09:00');
  t.equal(sendsAt({ appointment: appt, now: at('2026-11-20T12:00', LONDON) }), '2026-11-23T20:59');
  t.equal(
    sendsAt({ appointment: appt, now: at('2026-11-23T20:59:30', LONDON) }),
    '2026-11-23T20:59:30',
    'booked within that last minute: at once',
  );
  t.equal(
    sendsAt({ appointment: appt, now: at('2026-11-20T12:00', LONDON), quietHours: { start: '20:00', end: '09:00' } }),
    '2026-11-23T19:59',
    'a stricter window moves it further',
  );
});

t.test('booked during those quiet hours: when they end, if that is still well before the start', async (t) => {
  t.equal(
    sendsAt({ appointment: appointment('2026-11-24T09:00'), now: at('2026-11-23T22:00', LONDON) }),
    '2026-11-24T08:00',
  );
  t.equal(
    sendsAt({ appointment: appointment('2026-11-24T08:15'), now: at('2026-11-23T22:00', LONDON) }),
    '2026-11-24T08:00',
    'exactly the margin before the start',
  );
  t.equal(LATE_SEND_MARGIN_MS, 15 * 60_000);
  t.equal(
    sendsAt({ appointment: appointment('2026-11-24T08:14'), now: at('2026-11-23T22:00', LONDON) }),
    'skipped: quiet_hours',
  );
});

t.test('a send time already past at booking: skipped or sent at once, per rule', async (t) => {
  const appt = appointment('2026-11-24T15:00');
  const now = at('2026-11-24T14:00', LONDON);
  t.equal(sendsAt({ appointment: appt, now }), 'skipped: past');
  t.equal(sendsAt({ appointment: appt, now, rules: [rule({ ifPast: 'send-now' })] }), '2026-11-24T14:00');
  t.equal(
    sendsAt({ appointment: appt, now: at('2026-11-24T14:46', LONDON), rules: [rule({ ifPast: 'send-now' })] }),
    'skipped: past',
    'too close to the start to be of use',
  );
  t.equal(
    sendsAt({ appointment: appt, now: at('2026-11-24T15:30', LONDON), rules: [rule({ ifPast: 'send-now' })] }),
    'skipped: past',
    'after the start',
  );
  t.equal(
    sendsAt({
      appointment: appointment('2026-11-24T09:00'),
      now: at('2026-11-24T07:30', LONDON),
      rules: [rule({ ifPast: 'send-now' })],
    }),
    '2026-11-24T08:00',
    'now is quiet: when quiet hours end',
  );
});

t.test('only Scheduled and Confirmed appointments get reminders', async (t) => {
  const now = at('2026-11-20T12:00', LONDON);
  t.equal(
    plan({ appointment: appointment('2026-11-24T10:00', LONDON, { status: 'Confirmed' }), now }).reminders.length,
    1,
  );
  for (const status of ['Cancelled', 'No Show', 'Completed', null]) {
    const result = plan({ appointment: appointment('2026-11-24T10:00', LONDON, { status }), now });
    t.same(result, { reminders: [], skipped: [{ ruleId: 'rule-2h', reason: 'not_active' }] }, String(status));
  }
});

t.test('consent and opt-out stop patient reminders, not staff ones', async (t) => {
  const now = at('2026-11-20T12:00', LONDON);
  const rules = [rule({ id: 'patient' }), rule({ id: 'staff', audience: 'staff' })];
  const noConsent = plan({ appointment: appointment('2026-11-24T10:00', LONDON, { smsConsent: false }), rules, now });
  t.same(noConsent.skipped, [{ ruleId: 'patient', reason: 'no_consent' }]);
  t.same(
    noConsent.reminders.map((r) => r.ruleId),
    ['staff'],
  );
  const optedOut = plan({ appointment: appointment('2026-11-24T10:00'), rules, now, optedOut: true });
  t.same(optedOut.skipped, [{ ruleId: 'patient', reason: 'opted_out' }]);
  t.same(
    optedOut.reminders.map((r) => r.ruleId),
    ['staff'],
  );
});

t.test('a rule for another appointment type is skipped; one for every type applies', async (t) => {
  const result = plan({
    appointment: appointment('2026-11-24T10:00'),
    rules: [
      rule({ id: 'other', appointmentTypeId: 'type-surgery' }),
      rule({ id: 'same', appointmentTypeId: 'type-checkup' }),
      rule({ id: 'any' }),
    ],
    now: at('2026-11-20T12:00', LONDON),
  });
  t.same(result.skipped, [{ ruleId: 'other', reason: 'other_type' }]);
  t.same(
    result.reminders.map((r) => r.ruleId),
    ['same', 'any'],
  );
});

t.test('a reschedule replaces every key; planning the same start again gives the same keys', async (t) => {
  const now = at('2026-11-20T12:00', LONDON);
  const rules = [rule({ id: 'a', offsetMinutes: 1440 }), rule({ id: 'b' })];
  const keys = (start: string) =>
    plan({ appointment: appointment(start), rules, now }).reminders.map((r) => r.dispatchKey);
  t.same(keys('2026-11-24T10:00'), keys('2026-11-24T10:00'));
  const moved = new Set(keys('2026-11-24T10:15'));
  t.notOk(
    keys('2026-11-24T10:00').some((key) => moved.has(key)),
    'no reminder for the old time remains in the plan',
  );
});

t.test(
  'offsets are minutes of elapsed time: across the end of DST the day-before reminder is an hour later on the clock',
  async (t) => {
    t.equal(
      sendsAt({
        appointment: appointment('2026-10-25T10:00'),
        rules: [rule({ offsetMinutes: 1440 })],
        now: at('2026-10-20T12:00', LONDON),
      }),
      '2026-10-24T11:00',
    );
  },
);

t.test('quiet hours are local to the appointment’s zone', async (t) => {
  const kolkata = 'Asia/Kolkata';
  const appt = appointment('2026-11-24T09:00', kolkata);
  const result = plan({ appointment: appt, now: at('2026-11-20T12:00', kolkata) });
  t.equal(local(result.reminders[0]!.sendAt, kolkata), '2026-11-23T20:59');
  t.equal(new Date(result.reminders[0]!.sendAt).toISOString(), '2026-11-23T15:29:00.000Z');
  const york = appointment('2026-11-24T09:00', 'America/New_York');
  t.equal(sendsAt({ appointment: york, now: at('2026-11-20T12:00', 'America/New_York') }), '2026-11-23T20:59');
});

t.test('a quiet-hours boundary in a skipped hour takes effect at the transition', async (t) => {
  const york = 'America/New_York';
  // 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z; 02:30 never happens.
  const endsInGap = quietPeriodAt(Date.parse('2026-03-08T06:30:00Z'), york, { start: '22:00', end: '02:30' });
  t.same(endsInGap, { start: Date.parse('2026-03-08T03:00:00Z'), end: Date.parse('2026-03-08T07:00:00Z') });
  const startsInGap = quietPeriodAt(Date.parse('2026-03-08T08:00:00Z'), york, { start: '02:30', end: '06:00' });
  t.same(startsInGap, { start: Date.parse('2026-03-08T07:00:00Z'), end: Date.parse('2026-03-08T10:00:00Z') });
  // Lord Howe: 2026-10-04 02:00 (+10:30) becomes 02:30 (+11) at 15:30Z the day before.
  const lordHowe = 'Australia/Lord_Howe';
  t.same(quietPeriodAt(Date.parse('2026-10-03T15:00:00Z'), lordHowe, { start: '21:00', end: '02:15' }), {
    start: Date.parse('2026-10-03T10:30:00Z'),
    end: Date.parse('2026-10-03T15:30:00Z'),
  });
  t.equal(
    sendsAt({
      appointment: appointment('2026-03-08T04:00', york),
      rules: [rule({ offsetMinutes: 150 })],
      now: at('2026-03-07T12:00', york),
      quietHours: { start: '22:00', end: '02:30' },
    }),
    '2026-03-07T21:59',
    '00:30 EST is quiet: moved to before 22:00',
  );
  t.equal(
    sendsAt({
      appointment: appointment('2026-03-08T04:00', york),
      rules: [rule({ offsetMinutes: 150 })],
      now: at('2026-03-07T23:00', york),
      quietHours: { start: '22:00', end: '02:30' },
    }),
    '2026-03-08T03:00',
    'booked during them: at the transition, the first instant the wall clock is past 02:30',
  );
});

t.test('a quiet-hours boundary in a repeated hour applies each time the clock shows it', async (t) => {
  const york = 'America/New_York';
  // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:00-02:00 happens twice.
  const hours = { start: '21:00', end: '01:30' };
  t.same(quietPeriodAt(Date.parse('2026-11-01T05:10:00Z'), york, hours), {
    start: Date.parse('2026-11-01T01:00:00Z'),
    end: Date.parse('2026-11-01T05:30:00Z'),
  });
  t.equal(quietPeriodAt(Date.parse('2026-11-01T05:45:00Z'), york, hours), undefined, '01:45 EDT: allowed');
  t.same(
    quietPeriodAt(Date.parse('2026-11-01T06:10:00Z'), york, hours),
    { start: Date.parse('2026-11-01T06:00:00Z'), end: Date.parse('2026-11-01T06:30:00Z') },
    '01:10 EST: quiet again',
  );
});

t.test('parseQuietHours reads Salesforce times, with the defaults for empty fields', async (t) => {
  t.same(parseQuietHours('20:30:00.000Z', '09:00:00.000Z'), { start: '20:30', end: '09:00' });
  t.same(parseQuietHours(null, undefined), { start: '21:00', end: '08:00' });
  t.same(parseQuietHours('', '07:45'), { start: '21:00', end: '07:45' });
  t.same(parseQuietHours('20:59:30.000Z', '08:00:01.000Z'), { start: '20:59', end: '08:01' }, 'seconds round outward');
  t.throws(() => parseQuietHours('9pm', null), TypeError);
  t.throws(() => parseQuietHours(null, '24:00:00.000Z'), TypeError);
});

t.test('clampQuietHours: the org may only be stricter than the service', async (t) => {
  const clamp = (start: string, end: string) => clampQuietHours({ start, end }, DEFAULT_QUIET_HOURS);
  t.same(clamp('20:00', '09:00'), { start: '20:00', end: '09:00' }, 'wider: kept');
  t.same(clamp('21:00', '08:00'), { start: '21:00', end: '08:00' });
  t.same(clamp('22:00', '07:00'), { start: '21:00', end: '08:00' }, 'narrower: the default');
  t.same(clamp('22:00', '10:00'), { start: '21:00', end: '10:00' }, 'each boundary on its own');
  t.same(clamp('19:00', '07:30'), { start: '19:00', end: '08:00' });
  t.same(clamp('01:00', '05:00'), { start: '21:00', end: '08:00' }, 'inside the default: the default');
  t.same(clamp('12:00', '10:00'), { start: '12:00', end: '10:00' }, 'a long window is allowed');
  t.same(clamp('09:00', '09:00'), { start: '09:00', end: '08:00' }, 'start = end (no window) cannot empty it');
});
