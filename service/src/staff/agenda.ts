// The daily agenda planner: each resource's next agenda send, at its chosen wall-clock time in its
// own zone, today if that time is still ahead, else tomorrow. Pure (the clock is `now`) and
// DST-exact through Temporal: a time the clocks skip that day goes at the same distance after the
// jump (02:30 on a spring-forward night in New York is sent at 03:30), a time they show twice goes
// the first time, as Temporal's 'compatible' disambiguation (and a wall clock) has it.
import { Temporal } from 'temporal-polyfill';
import { isValidTimeZone } from '../availability/zone.ts';
import type { EpochMs } from '../availability/types.ts';
import type { PlannedAgenda, StaffPreferences } from './types.ts';

/** An agenda that could not go within this long of its time (the service was down) is dropped. */
export const AGENDA_LATE_MS = 2 * 60 * 60_000;

const SALESFORCE_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d{1,3})?)?Z?$/;

/** Agenda_SMS_Time__c ('07:30:00.000Z' from the REST API; 'HH:MM' too) as 'HH:MM'; null when empty or not a time. */
export function agendaTimeOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = SALESFORCE_TIME.exec(value);
  return match ? `${match[1]}:${match[2]}` : null;
}

export function agendaDispatchKey(resourceId: string, date: string): string {
  return `agenda:${resourceId}:${date}`;
}

/** The instant `time` ('HH:MM') shows on `date` (YYYY-MM-DD) in `timeZone`. */
export function agendaSendTime(date: string, time: string, timeZone: string): EpochMs {
  return Temporal.PlainDate.from(date)
    .toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) })
    .toInstant().epochMilliseconds;
}

/**
 * The next agenda of each resource that wants one: on the local day of `now` when its time is at or
 * after `now`, else on the next day. Resources without an agenda time or with a zone Temporal does
 * not know get none.
 */
export function planAgenda(resources: readonly StaffPreferences[], now: EpochMs): PlannedAgenda[] {
  const planned: PlannedAgenda[] = [];
  for (const resource of resources) {
    if (resource.agendaTime === null || !isValidTimeZone(resource.timeZone)) continue;
    let date = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(resource.timeZone).toPlainDate();
    let sendAt = agendaSendTime(date.toString(), resource.agendaTime, resource.timeZone);
    if (sendAt < now) {
      date = date.add({ days: 1 });
      sendAt = agendaSendTime(date.toString(), resource.agendaTime, resource.timeZone);
    }
    planned.push({
      dispatchKey: agendaDispatchKey(resource.resourceId, date.toString()),
      resourceId: resource.resourceId,
      date: date.toString(),
      sendAt,
      notAfter: sendAt + AGENDA_LATE_MS,
    });
  }
  return planned;
}
