// What changed, as pure functions: an appointment row from the org → the snapshot the service keeps,
// and (previous snapshot, new row) → the domain events to publish.
import type { AppointmentEvent } from './events.ts';

/** The fields the sync reads; nothing personal (no patient name, phone or e-mail). */
export const APPOINTMENT_SYNC_FIELDS = [
  'Id',
  'Booking_Key__c',
  'Start__c',
  'End__c',
  'Status__c',
  'Resource__c',
  'Appointment_Type__c',
  'Time_Zone__c',
  'SMS_Consent__c',
  'IsDeleted',
  'SystemModstamp',
] as const;

/** What the service remembers of an appointment (table appointment_snapshot). */
export interface SyncedAppointment {
  appointmentId: string;
  bookingKey: string | null;
  startAt: Date | null;
  endAt: Date | null;
  status: string | null;
  resourceId: string | null;
  /** Its type: the buffers that widen its busy time and the capacity that makes it a seat. */
  appointmentTypeId: string | null;
  /** Time_Zone__c: the patient's zone (reminders' quiet hours and the time they show). */
  timeZone?: string | null;
  /** SMS_Consent__c: the patient agreed to text reminders. */
  smsConsent?: boolean;
  deleted: boolean;
  /** The row's SystemModstamp. */
  updatedAt: Date;
}

export const CANCELLED = 'Cancelled';

/** A Salesforce dateTime value (`…+0000`, `…Z`) as a Date; null for anything else. */
export function salesforceDateTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  // Salesforce writes +0000; Date reads +00:00 and Z.
  const parsed = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The snapshot of a row as queried with APPOINTMENT_SYNC_FIELDS. */
export function snapshotOf(row: Record<string, unknown>): SyncedAppointment {
  const updatedAt = salesforceDateTime(row.SystemModstamp);
  if (!updatedAt || typeof row.Id !== 'string') throw new TypeError('an appointment row needs Id and SystemModstamp');
  return {
    appointmentId: row.Id,
    bookingKey: text(row.Booking_Key__c),
    startAt: salesforceDateTime(row.Start__c),
    endAt: salesforceDateTime(row.End__c),
    status: text(row.Status__c),
    resourceId: text(row.Resource__c),
    appointmentTypeId: text(row.Appointment_Type__c),
    // Only when the row was read with them (older callers and fixtures query without).
    ...('Time_Zone__c' in row ? { timeZone: text(row.Time_Zone__c) } : {}),
    ...('SMS_Consent__c' in row ? { smsConsent: row.SMS_Consent__c === true } : {}),
    deleted: row.IsDeleted === true,
    updatedAt,
  };
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * The events one change of an appointment means. `previous` is what the last sync saw (undefined
 * for a row never seen); a row no newer than `previous` means nothing (a re-read of the overlap).
 *
 * - never seen, not deleted → created (a row first seen already deleted → nothing);
 * - deleted now, not before → cancelled (reason deleted), unless it was already Cancelled;
 * - undeleted → created again;
 * - status → Cancelled → cancelled (reason status); another status change → status_changed;
 * - start or end moved (and not cancelled in the same change) → rescheduled.
 */
export function deriveEvents(
  orgId: string,
  previous: SyncedAppointment | undefined,
  current: SyncedAppointment,
): AppointmentEvent[] {
  if (previous && current.updatedAt.getTime() <= previous.updatedAt.getTime()) return [];
  const base = {
    orgId,
    appointmentId: current.appointmentId,
    appointment: current,
  };
  const id = (type: string) => `${current.appointmentId}:${current.updatedAt.toISOString()}:${type}`;
  if (!previous || previous.deleted) {
    return current.deleted ? [] : [{ ...base, id: id('created'), type: 'created' }];
  }
  if (current.deleted) {
    return previous.status === CANCELLED
      ? []
      : [{ ...base, id: id('cancelled'), type: 'cancelled', reason: 'deleted' }];
  }
  const events: AppointmentEvent[] = [];
  if (current.status !== previous.status) {
    events.push(
      current.status === CANCELLED
        ? { ...base, id: id('cancelled'), type: 'cancelled', reason: 'status' }
        : { ...base, id: id('status_changed'), type: 'status_changed', from: previous.status, to: current.status },
    );
  }
  const moved = !sameTime(previous.startAt, current.startAt) || !sameTime(previous.endAt, current.endAt);
  if (moved && current.status !== CANCELLED) {
    events.push({
      ...base,
      id: id('rescheduled'),
      type: 'rescheduled',
      previous: { startAt: previous.startAt, endAt: previous.endAt },
    });
  }
  return events;
}
