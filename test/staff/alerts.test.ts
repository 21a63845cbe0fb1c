// Which sync events alert a staff member: only the kinds they asked for, only fresh changes to
// appointments still ahead, held through the org's quiet hours (local to the staff member).
import t from 'tap';
import { DEFAULT_QUIET_HOURS } from '../../service/src/reminders/quiet-hours.ts';
import { ALERT_FRESH_MS, alertFor } from '../../service/src/staff/alerts.ts';
import type { StaffPreferences } from '../../service/src/staff/types.ts';
import type { SyncedAppointment } from '../../service/src/sync/derive.ts';
import type { AppointmentEvent } from '../../service/src/sync/events.ts';

const ORG = '00D000000000001AAA';
const RESOURCE = 'a0C000000000001AAA';
const APPOINTMENT = 'a01000000000001AAA';
// Tuesday 10 June 2026, 10:00 in London (BST).
const NOW = Date.parse('2026-06-10T09:00:00Z');
const HOUR = 3_600_000;

function prefs(alerts: Partial<StaffPreferences['alerts']>, timeZone = 'Europe/London'): StaffPreferences {
  return {
    resourceId: RESOURCE,
    userId: '005000000000001AAA',
    timeZone,
    agendaTime: null,
    alerts: { created: false, rescheduled: false, cancelled: false, ...alerts },
  };
}

function appointment(start: number, changedAt = NOW - 60_000): SyncedAppointment {
  return {
    appointmentId: APPOINTMENT,
    bookingKey: null,
    startAt: new Date(start),
    endAt: new Date(start + HOUR),
    status: 'Scheduled',
    resourceId: RESOURCE,
    appointmentTypeId: null,
    deleted: false,
    updatedAt: new Date(changedAt),
  };
}

function created(start: number, changedAt?: number): AppointmentEvent {
  const current = appointment(start, changedAt);
  return { id: 'e1', orgId: ORG, appointmentId: APPOINTMENT, appointment: current, type: 'created' };
}

t.test('a new booking alerts a staff member who asked, at once', async (t) => {
  const start = NOW + 24 * HOUR;
  const alert = alertFor(created(start), prefs({ created: true }), DEFAULT_QUIET_HOURS, NOW);
  t.same(alert, {
    dispatchKey: `alert:${APPOINTMENT}:created:2026-06-11T09:00:00.000Z:2026-06-10T08:59:00.000Z`,
    resourceId: RESOURCE,
    appointmentId: APPOINTMENT,
    kind: 'created',
    appointmentStart: start,
    previousStart: null,
    sendAt: NOW,
    notAfter: start,
  });
  t.equal(alertFor(created(start), prefs({ cancelled: true, rescheduled: true }), DEFAULT_QUIET_HOURS, NOW), undefined);
  t.equal(alertFor(created(start), undefined, DEFAULT_QUIET_HOURS, NOW), undefined, 'a resource without a user');
  const otherResource = { ...prefs({ created: true }), resourceId: 'a0C000000000002AAA' };
  t.equal(alertFor(created(start), otherResource, DEFAULT_QUIET_HOURS, NOW), undefined);
});

t.test('cancellations and reschedules, per preference', async (t) => {
  const start = NOW + 5 * HOUR;
  const cancelled: AppointmentEvent = { ...created(start), type: 'cancelled', reason: 'status' };
  t.equal(alertFor(cancelled, prefs({ created: true }), DEFAULT_QUIET_HOURS, NOW), undefined);
  t.match(alertFor(cancelled, prefs({ cancelled: true }), DEFAULT_QUIET_HOURS, NOW), {
    kind: 'cancelled',
    notAfter: start,
  });

  // Moved from this afternoon to next week: worth telling until the old time too.
  const later = NOW + 7 * 24 * HOUR;
  const moved: AppointmentEvent = {
    ...created(later),
    type: 'rescheduled',
    previous: { startAt: new Date(start), endAt: new Date(start + HOUR) },
  };
  t.equal(alertFor(moved, prefs({ created: true, cancelled: true }), DEFAULT_QUIET_HOURS, NOW), undefined);
  const alert = alertFor(moved, prefs({ rescheduled: true }), DEFAULT_QUIET_HOURS, NOW);
  t.match(alert, { kind: 'rescheduled', appointmentStart: later, previousStart: start, notAfter: later });
  t.match(alert?.dispatchKey, /^alert:a01000000000001AAA:rescheduled:2026-06-17T09:00:00.000Z:/);

  const statusChanged: AppointmentEvent = {
    ...created(start),
    type: 'status_changed',
    from: 'Scheduled',
    to: 'Confirmed',
  };
  const everything = prefs({ created: true, rescheduled: true, cancelled: true });
  t.equal(alertFor(statusChanged, everything, DEFAULT_QUIET_HOURS, NOW), undefined, 'a confirmation alerts no one');
});

t.test('each change has its own key: moving back to a time alerts again', async (t) => {
  const everything = prefs({ rescheduled: true });
  const move = (changedAt: number): AppointmentEvent => ({
    ...created(NOW + 48 * HOUR, changedAt),
    type: 'rescheduled',
    previous: { startAt: new Date(NOW + 24 * HOUR), endAt: null },
  });
  const first = alertFor(move(NOW - 10 * 60_000), everything, DEFAULT_QUIET_HOURS, NOW);
  const again = alertFor(move(NOW - 60_000), everything, DEFAULT_QUIET_HOURS, NOW);
  t.not(first?.dispatchKey, again?.dispatchKey);
  t.equal(first?.dispatchKey, alertFor(move(NOW - 10 * 60_000), everything, DEFAULT_QUIET_HOURS, NOW)?.dispatchKey);
});

t.test('history and the past alert no one', async (t) => {
  const start = NOW + 24 * HOUR;
  const wants = prefs({ created: true, cancelled: true });
  t.equal(alertFor(created(start, NOW - ALERT_FRESH_MS - 1), wants, DEFAULT_QUIET_HOURS, NOW), undefined, 'stale');
  t.ok(alertFor(created(start, NOW - ALERT_FRESH_MS), wants, DEFAULT_QUIET_HOURS, NOW), 'fresh enough');
  t.equal(alertFor(created(NOW - HOUR), wants, DEFAULT_QUIET_HOURS, NOW), undefined, 'already begun');
  const noStart = created(start);
  noStart.appointment.startAt = null;
  t.equal(alertFor(noStart, wants, DEFAULT_QUIET_HOURS, NOW), undefined, 'no time to speak of');
  t.equal(alertFor(created(start), prefs({ created: true }, 'Nowhere/Land'), DEFAULT_QUIET_HOURS, NOW), undefined);
});

t.test('quiet hours hold an alert until they end, in the staff member zone', async (t) => {
  // 23:00 in London on 10 June: quiet until 08:00 BST (07:00 UTC) on the 11th.
  const night = Date.parse('2026-06-10T22:00:00Z');
  const wants = prefs({ created: true });
  const tomorrowNoon = Date.parse('2026-06-11T11:00:00Z');
  t.match(alertFor(created(tomorrowNoon, night), wants, DEFAULT_QUIET_HOURS, night), {
    sendAt: Date.parse('2026-06-11T07:00:00Z'),
  });
  // Before the quiet hours end the appointment has begun: not sent at all.
  const early = Date.parse('2026-06-11T06:30:00Z');
  t.equal(alertFor(created(early, night), wants, DEFAULT_QUIET_HOURS, night), undefined);
  // The same instant is 18:00 in New York: not quiet there.
  t.match(
    alertFor(created(tomorrowNoon, night), prefs({ created: true }, 'America/New_York'), DEFAULT_QUIET_HOURS, night),
    {
      sendAt: night,
    },
  );
  // An org that made them stricter (quiet from 20:00): 19:30 is still fine, 20:30 waits.
  const strict = { start: '20:00', end: '08:00' };
  const evening = Date.parse('2026-06-10T18:30:00Z');
  t.match(alertFor(created(tomorrowNoon, evening), wants, strict, evening), { sendAt: evening });
  const later = evening + HOUR;
  t.match(alertFor(created(tomorrowNoon, later), wants, strict, later), { sendAt: Date.parse('2026-06-11T07:00:00Z') });
});
