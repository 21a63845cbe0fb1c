// The reminder planner's inputs and outputs: plain data, so the planner is a pure function of them
// (no I/O, no clock: `now` is an input). The dispatcher stores the plan and sends what is due.
import type { EpochMs } from '../availability/types.ts';

/** A Slotwise_Reminder_Rule__c as the planner needs it. */
export interface ReminderRule {
  id: string;
  /** Who receives it: the patient, or the staff member the appointment is booked with. */
  audience: 'patient' | 'staff';
  /** Minutes before the appointment's start. */
  offsetMinutes: number;
  /** The rule's template text (merge fields as the package defines them: {FirstName}, {Time}, …). */
  template: string;
  /** When the send time has already passed at planning: skip it, or send at once. */
  ifPast: 'skip' | 'send-now';
  /** Null: every appointment type. */
  appointmentTypeId: string | null;
}

/** What the planner knows of an appointment (from sync; nothing personal). */
export interface PlannableAppointment {
  orgId: string;
  appointmentId: string;
  typeId: string | null;
  /** Status__c: only Scheduled and Confirmed appointments get reminders. */
  status: string | null;
  start: EpochMs;
  end: EpochMs;
  /** Time_Zone__c: the recipient's zone for quiet hours (the org's default when absent). */
  timeZone: string;
  /** The patient agreed to SMS (SMS_Consent__c). */
  smsConsent: boolean;
}

/** No message is sent between start and end, local to the recipient; end may be before start (overnight). */
export interface QuietHours {
  /** 'HH:MM', default '21:00'. */
  start: string;
  /** 'HH:MM', default '08:00'. */
  end: string;
}

export interface PlannedReminder {
  /**
   * Unique per (appointment, rule, start time): `<appointmentId>:<ruleId>:<start ISO>`. The store
   * enforces it, so a reminder is sent at most once however many instances plan it; a reschedule
   * changes the start and so the key, which is what retires the old plan.
   */
  dispatchKey: string;
  ruleId: string;
  audience: 'patient' | 'staff';
  /** When to send (already moved out of quiet hours). */
  sendAt: EpochMs;
  /** Do not deliver after this instant (the SMS ValidityPeriod is derived from it). */
  notAfter: EpochMs;
  /** The appointment start this reminder is about: a send re-checks it against the org first. */
  appointmentStart: EpochMs;
}

export type SkipReason = 'not_active' | 'no_consent' | 'opted_out' | 'past' | 'quiet_hours' | 'other_type';

export interface ReminderPlan {
  reminders: PlannedReminder[];
  /** Rules that produce no message for this appointment, and why (shown to staff). */
  skipped: { ruleId: string; reason: SkipReason }[];
}

export interface PlanInput {
  appointment: PlannableAppointment;
  rules: readonly ReminderRule[];
  /** The patient's number is opted out for this org (STOP). */
  optedOut: boolean;
  quietHours: QuietHours;
  now: EpochMs;
}
