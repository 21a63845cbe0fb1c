// What staff are texted: the day's agenda and booking alerts. Pure: no I/O. Only what a staff member
// needs to recognise a booking goes in (time, type, the patient's first name); never a number.
import { formatAppointmentTime, segmentInfo, zoneAbbreviation } from '../sms/template.ts';
import type { AlertKind } from './types.ts';

/** An agenda stays within this many segments; the appointments that do not fit are counted ("+3 more"). */
export const AGENDA_MAX_SEGMENTS = 3;

/** One appointment of an agenda or an alert, as read from the org. */
export interface StaffTextAppointment {
  start: Date;
  /** Appointment_Type__r.Name; empty when unknown. */
  type: string;
  /** The first word of Patient_Name__c; empty when unknown. */
  firstName: string;
}

export const staffTexts = {
  agendaHeader: (day: string, zone: string, count: number) =>
    `Agenda ${day} (${zone}): ${count} appointment${count === 1 ? '' : 's'}`,
  agendaEmpty: (day: string) => `Agenda ${day}: No appointments today.`,
  agendaMore: (count: number) => `+${count} more`,
  created: (what: string) => `New booking: ${what}.`,
  cancelled: (what: string) => `Cancelled: ${what}.`,
  rescheduled: (what: string, was: string | null) => `Moved: ${what}${was ? ` (was ${was})` : ''}.`,
};

/** "Tue 24 Nov" for a local date (YYYY-MM-DD). */
export function formatDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).formatToParts(new Date(Date.UTC(year, month - 1, day)));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')}`;
}

/** "9:30 AM" in `timeZone`. */
function formatTimeOfDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('hour')}:${part('minute')} ${part('dayPeriod').toUpperCase()}`;
}

function describe(appointment: StaffTextAppointment): string {
  return [appointment.type, appointment.firstName].filter((part) => part !== '').join(', ');
}

/**
 * The agenda of local day `date` in `timeZone`: a header with the day, the zone and the count, then
 * one line per appointment in start order ("9:30 AM Initial Consultation, Maria"), as many as fit in
 * AGENDA_MAX_SEGMENTS with "+N more" for the rest. The zone's abbreviation is the one in force at
 * `sendAt`; a line after a DST change that day carries its own.
 */
export function agendaText(
  date: string,
  timeZone: string,
  sendAt: Date,
  appointments: readonly StaffTextAppointment[],
): string {
  const day = formatDay(date);
  if (appointments.length === 0) return staffTexts.agendaEmpty(day);
  const zone = zoneAbbreviation(sendAt, timeZone);
  const header = staffTexts.agendaHeader(day, zone, appointments.length);
  const lines = appointments.map((appointment) => {
    const own = zoneAbbreviation(appointment.start, timeZone);
    const time = formatTimeOfDay(appointment.start, timeZone) + (own === zone ? '' : ` ${own}`);
    return [time, describe(appointment)].filter((part) => part !== '').join(' ');
  });
  for (let shown = lines.length; shown > 0; shown--) {
    const rest = lines.length - shown;
    const body = [header, ...lines.slice(0, shown), ...(rest > 0 ? [staffTexts.agendaMore(rest)] : [])].join('\n');
    if (segmentInfo(body).segments <= AGENDA_MAX_SEGMENTS) return body;
  }
  return [header, staffTexts.agendaMore(lines.length)].join('\n');
}

/** The alert for `kind`; `previousStart` is the start before a reschedule. */
export function alertText(
  kind: AlertKind,
  appointment: StaffTextAppointment,
  timeZone: string,
  previousStart: Date | null,
): string {
  const what = [describe(appointment), formatAppointmentTime(appointment.start, timeZone)]
    .filter((part) => part !== '')
    .join(', ');
  switch (kind) {
    case 'created':
      return staffTexts.created(what);
    case 'cancelled':
      return staffTexts.cancelled(what);
    case 'rescheduled':
      return staffTexts.rescheduled(what, previousStart && formatAppointmentTime(previousStart, timeZone));
  }
}
