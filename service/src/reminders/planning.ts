// From sync's appointment events to stored reminders: the planner decides (plan.ts, pure), this
// file stores its decision. New reminders are inserted once per dispatch key (whichever instance or
// repeated event gets there first); every other reminder of the appointment still waiting is
// cancelled, so a reschedule retires the old start's reminders in the same transaction that plans
// the new ones.
import type { AppointmentEvent } from '../sync/events.ts';
import type { Store } from '../store/store.ts';
import { planReminders } from './plan.ts';
import type { ReminderSettings } from './rules.ts';
import type { PlannableAppointment, PlannedReminder } from './types.ts';

export interface StoredPlan {
  inserted: number;
  cancelled: number;
}

/** What the planner knows of the event's appointment; undefined when it has no time to remind of. */
export function plannableOf(event: AppointmentEvent, defaultTimeZone: string): PlannableAppointment | undefined {
  const { appointment } = event;
  if (!appointment.startAt || !appointment.endAt) return undefined;
  return {
    orgId: event.orgId,
    appointmentId: event.appointmentId,
    typeId: appointment.appointmentTypeId,
    status: event.type === 'cancelled' ? 'Cancelled' : appointment.status,
    start: appointment.startAt.getTime(),
    end: appointment.endAt.getTime(),
    timeZone: appointment.timeZone ?? defaultTimeZone,
    smsConsent: appointment.smsConsent === true,
  };
}

/**
 * Stores `reminders` as the appointment's plan: inserts those not yet stored and cancels every other
 * reminder of it still planned or paused (`reason`: 'cancelled' for a cancelled appointment, else
 * 'replaced'). One transaction, so a dispatcher sees the old plan or the new one, never both.
 */
export async function storePlan(
  store: Store,
  orgId: string,
  appointmentId: string,
  reminders: readonly PlannedReminder[],
  reason: 'replaced' | 'cancelled',
  now: Date,
): Promise<StoredPlan> {
  return store.transaction(async (tx) => {
    let inserted = 0;
    for (const reminder of reminders) {
      const rows = await tx.query(
        `insert into sms_reminder
           (org_id, appointment_id, dispatch_key, rule_id, audience, send_at, not_after, appointment_start,
            state, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'planned', $9, $9)
         on conflict (org_id, dispatch_key) do nothing
         returning id`,
        [
          orgId,
          appointmentId,
          reminder.dispatchKey,
          reminder.ruleId,
          reminder.audience,
          new Date(reminder.sendAt),
          new Date(reminder.notAfter),
          new Date(reminder.appointmentStart),
          now,
        ],
      );
      inserted += rows.length;
    }
    const cancelled = await tx.query(
      `update sms_reminder set state = 'cancelled', state_reason = $4, updated_at = $5
        where org_id = $1 and appointment_id = $2 and state in ('planned', 'paused')
          and not (dispatch_key = any($3::text[]))
        returning id`,
      [orgId, appointmentId, reminders.map((reminder) => reminder.dispatchKey), reason, now],
    );
    return { inserted, cancelled: cancelled.length };
  });
}

/** Plans and stores the reminders of one appointment event. */
export async function planFromEvent(
  store: Store,
  event: AppointmentEvent,
  settings: ReminderSettings,
  now: Date,
): Promise<StoredPlan> {
  const appointment = plannableOf(event, settings.defaultTimeZone);
  const reason = event.type === 'cancelled' ? 'cancelled' : 'replaced';
  const reminders = appointment
    ? planReminders({
        appointment,
        rules: settings.rules,
        // The number is not known here (sync reads nothing personal): opt-outs are checked at send time.
        optedOut: false,
        quietHours: settings.quietHours,
        now: now.getTime(),
      }).reminders
    : [];
  return storePlan(store, event.orgId, event.appointmentId, reminders, reason, now);
}
