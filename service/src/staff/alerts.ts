// Which sync events alert a staff member, and when. Pure: the event, the resource's preferences,
// the org's quiet hours and `now` in; the alert to store (or none) out. The text is written at send
// time, from the org (sync carries nothing personal).
//
// Policy: an alert goes at once, except in the org's quiet hours (local to the staff member), when
// it waits for them to end; an alert that would then arrive after the appointment began is not sent.
// Changes older than ALERT_FRESH_MS (an org's history read at its first sync, or a service that was
// down for most of a day) alert no one.
import { isValidTimeZone } from '../availability/zone.ts';
import type { EpochMs } from '../availability/types.ts';
import { quietPeriodAt } from '../reminders/quiet-hours.ts';
import type { QuietHours } from '../reminders/types.ts';
import type { AppointmentEvent } from '../sync/events.ts';
import type { AlertKind, PlannedAlert, StaffPreferences } from './types.ts';

export const ALERT_FRESH_MS = 6 * 60 * 60_000;

const ALERT_KINDS: ReadonlySet<string> = new Set<AlertKind>(['created', 'rescheduled', 'cancelled']);

export function alertDispatchKey(appointmentId: string, kind: AlertKind, start: EpochMs, changedAt: Date): string {
  return `alert:${appointmentId}:${kind}:${new Date(start).toISOString()}:${changedAt.toISOString()}`;
}

/**
 * The alert `event` means for the staff member of `prefs` (the preferences of the appointment's
 * resource, undefined when it has none), or undefined when it means none.
 */
export function alertFor(
  event: AppointmentEvent,
  prefs: StaffPreferences | undefined,
  quietHours: QuietHours,
  now: EpochMs,
): PlannedAlert | undefined {
  if (!ALERT_KINDS.has(event.type)) return undefined;
  const kind = event.type as AlertKind;
  const { appointment } = event;
  if (!prefs || prefs.resourceId !== appointment.resourceId || !prefs.alerts[kind]) return undefined;
  if (!appointment.startAt || !isValidTimeZone(prefs.timeZone)) return undefined;
  if (now - appointment.updatedAt.getTime() > ALERT_FRESH_MS) return undefined;

  const start = appointment.startAt.getTime();
  const previousStart = event.type === 'rescheduled' ? (event.previous.startAt?.getTime() ?? null) : null;
  // A reschedule matters until the later of the two starts: the staff member may expect either.
  const notAfter = Math.max(start, previousStart ?? start);
  const quiet = quietPeriodAt(now, prefs.timeZone, quietHours);
  const sendAt = quiet ? quiet.end : now;
  if (sendAt >= notAfter) return undefined;
  return {
    dispatchKey: alertDispatchKey(event.appointmentId, kind, start, appointment.updatedAt),
    resourceId: prefs.resourceId,
    appointmentId: event.appointmentId,
    kind,
    appointmentStart: start,
    previousStart,
    sendAt,
    notAfter,
  };
}
