// The reminder planner: an appointment, the org's rules, consent, opt-out and quiet hours in, the
// messages to send and when out. Pure (the clock is `now`), so a reschedule or cancel simply plans
// again and the dispatcher replaces the stored plan with this one.
//
// Quiet-hours policy: a send time inside quiet hours (local to the appointment's zone) moves
// EARLIER, to the last allowed minute before that quiet period began, so the patient still hears
// before the appointment. If that minute has already passed at planning, the reminder goes when
// the quiet period ends, provided that is at least LATE_SEND_MARGIN_MS before the start; otherwise
// it is skipped ('quiet_hours'). A send time already past at planning follows the rule's ifPast:
// 'skip', or 'send-now' (now, or the end of quiet hours if now is quiet, with the same margin).
import type { EpochMs } from '../availability/types.ts';
import { quietPeriodAt } from './quiet-hours.ts';
import type { PlanInput, PlannedReminder, ReminderPlan, ReminderRule, SkipReason } from './types.ts';

const MINUTE_MS = 60_000;

/** A reminder sent late (at once, or after quiet hours) must still arrive this long before the start. */
export const LATE_SEND_MARGIN_MS = 15 * MINUTE_MS;

/** Appointment statuses that get reminders; anything else (Cancelled, No Show, Completed, …) plans nothing. */
export const REMINDED_STATUSES: ReadonlySet<string> = new Set(['Scheduled', 'Confirmed']);

export function planReminders(input: PlanInput): ReminderPlan {
  const plan: ReminderPlan = { reminders: [], skipped: [] };
  for (const rule of input.rules) {
    const outcome = planRule(rule, input);
    if (typeof outcome === 'string') plan.skipped.push({ ruleId: rule.id, reason: outcome });
    else plan.reminders.push(outcome);
  }
  return plan;
}

/**
 * `<appointmentId>:<ruleId>:<start ISO>`: a new start makes a new key, so the stored reminders of
 * the old start are no longer part of the plan and are never sent.
 */
export function dispatchKey(appointmentId: string, ruleId: string, start: EpochMs): string {
  return `${appointmentId}:${ruleId}:${new Date(start).toISOString()}`;
}

function planRule(rule: ReminderRule, input: PlanInput): PlannedReminder | SkipReason {
  const { appointment } = input;
  if (rule.appointmentTypeId !== null && rule.appointmentTypeId !== appointment.typeId) return 'other_type';
  if (appointment.status === null || !REMINDED_STATUSES.has(appointment.status)) return 'not_active';
  if (rule.audience === 'patient') {
    if (!appointment.smsConsent) return 'no_consent';
    if (input.optedOut) return 'opted_out';
  }
  const sendAt = sendTime(rule, input);
  if (typeof sendAt === 'string') return sendAt;
  return {
    dispatchKey: dispatchKey(appointment.appointmentId, rule.id, appointment.start),
    ruleId: rule.id,
    audience: rule.audience,
    sendAt,
    notAfter: appointment.start,
    appointmentStart: appointment.start,
  };
}

function sendTime(rule: ReminderRule, { appointment, quietHours, now }: PlanInput): EpochMs | SkipReason {
  const { start, timeZone } = appointment;
  const quietAround = (at: EpochMs) => quietPeriodAt(at, timeZone, quietHours);
  // When quiet hours block both the planned time and everything before it: their end, if still useful.
  const afterQuiet = (quietEnd: EpochMs) => (quietEnd <= start - LATE_SEND_MARGIN_MS ? quietEnd : 'quiet_hours');

  const target = start - rule.offsetMinutes * MINUTE_MS;
  // A negative offset (the org's validation rule forbids it) would remind after the start.
  if (target > start) return 'past';
  if (target >= now) {
    const quiet = quietAround(target);
    if (!quiet) return target;
    // The last allowed minute before the quiet period, or now if that minute has already begun.
    const earlier = Math.max(quiet.start - MINUTE_MS, now);
    // (Only a DST fold could put another quiet period within that minute.)
    if (earlier < quiet.start && !quietAround(earlier)) return earlier;
    return afterQuiet(quiet.end);
  }
  if (rule.ifPast === 'skip') return 'past';
  const quiet = quietAround(now);
  if (quiet) return afterQuiet(quiet.end);
  return now <= start - LATE_SEND_MARGIN_MS ? now : 'past';
}
