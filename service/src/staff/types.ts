// Staff SMS: the planners' inputs and outputs. Plain data, so planAgenda and alertFor are pure
// functions of them (no I/O, no clock: `now` is an input); the dispatcher stores and sends.
import type { EpochMs } from '../availability/types.ts';

/** A Slotwise_Resource__c's staff SMS preferences, as the org holds them. */
export interface StaffPreferences {
  resourceId: string;
  /** User__c: the user whose MobilePhone the texts go to. */
  userId: string;
  /** Time_Zone__c: the agenda's time and day, and every time the texts show. */
  timeZone: string;
  /** Agenda_SMS_Time__c as 'HH:MM' local to `timeZone`; null: no agenda. */
  agendaTime: string | null;
  /** Alert_New__c, Alert_Rescheduled__c, Alert_Cancelled__c. */
  alerts: Record<AlertKind, boolean>;
}

/** The sync events that can alert staff (status changes other than a cancellation do not). */
export type AlertKind = 'created' | 'rescheduled' | 'cancelled';

export interface PlannedAgenda {
  /** `agenda:<resourceId>:<local date>`: one agenda per resource and day, whoever plans it. */
  dispatchKey: string;
  resourceId: string;
  /** The local day (YYYY-MM-DD, in the resource's zone) whose appointments it lists. */
  date: string;
  sendAt: EpochMs;
  /** An agenda not sent by then (the service was down) is dropped: it would arrive mid-day. */
  notAfter: EpochMs;
}

export interface PlannedAlert {
  /** `alert:<appointmentId>:<kind>:<start ISO>:<change's SystemModstamp ISO>`: once per change. */
  dispatchKey: string;
  resourceId: string;
  appointmentId: string;
  kind: AlertKind;
  /** The start the alert is about (the new one for a reschedule). */
  appointmentStart: EpochMs;
  /** The start before a reschedule; null for the other kinds. */
  previousStart: EpochMs | null;
  /** Now, or the end of the org's quiet hours in the resource's zone. */
  sendAt: EpochMs;
  /** Useless once the appointment (either start of a reschedule) has begun. */
  notAfter: EpochMs;
}
