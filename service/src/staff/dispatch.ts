// Sends due staff SMS. A pass claims due rows (planned → sending, `for update skip locked`, so
// instances never take the same row), reads from the org what the text needs at that moment (the
// org is the truth at send time: the resource's preferences, the appointments, the user's number)
// and sends through sendReply, the path every text that is not a reminder takes. An org read that
// fails puts the row back for a later pass; once a send has begun, a failure leaves the row
// 'sending' for reconcileStale (store.ts), which never texts twice.
import { localDayRange } from '../availability/display.ts';
import { isValidTimeZone } from '../availability/zone.ts';
import { quietPeriodAt } from '../reminders/quiet-hours.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import { recipientHash } from '../sms/recipient.ts';
import type { Reply, ReplyOutcome } from '../sms/replies.ts';
import type { Store } from '../store/store.ts';
import { CANCELLED, salesforceDateTime } from '../sync/derive.ts';
import { AGENDA_LATE_MS, agendaSendTime } from './agenda.ts';
import { preferencesOf, staffMobilePhones, type StaffSettings } from './preferences.ts';
import { MESSAGE_KIND, claimDue, markAttempt, moveAgenda, retryAt, settle, type StaffSmsRow } from './store.ts';
import { agendaText, alertText, type StaffTextAppointment } from './texts.ts';
import type { StaffPreferences } from './types.ts';

/** Appointments an agenda lists and alerts of new or moved bookings stand for. */
const ACTIVE_STATUSES = ['Scheduled', 'Confirmed'];
/** An org that cannot be read: its staff SMS wait this long. */
const ORG_UNAVAILABLE_DELAY_MS = 60_000;
/** Without credits a staff SMS waits this long before looking again (until it is too late). */
const NO_CREDITS_DELAY_MS = 5 * 60_000;

export interface Logger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** What sendReply answers; `no_credits` when the org's credits do not cover the text (it waits). */
export type StaffSendOutcome = ReplyOutcome | { kind: 'no_credits' };

export interface StaffDispatchDeps {
  store: Store;
  orgApi: OrgApi;
  /** The org's cached settings: its quiet hours, which hold alerts. */
  settings(orgId: string): Promise<StaffSettings>;
  send(reply: Reply): Promise<StaffSendOutcome>;
  recipientKey(): Promise<Buffer>;
  log: Logger;
  now(): Date;
}

export type Outcome = 'sent' | 'skipped' | 'cancelled' | 'failed' | 'retry';

export interface PassResult {
  claimed: number;
  outcomes: Partial<Record<Outcome, number>>;
}

/** A text ready to go: its recipient (E.164) and its body. */
interface Prepared {
  to: string;
  body: string;
}

/** One batch: claim, read the org, send. */
export async function dispatchStaffBatch(
  deps: StaffDispatchDeps,
  limit: number,
  signal?: AbortSignal,
): Promise<PassResult> {
  const claimed = await claimDue(deps.store, deps.now(), limit);
  const result: PassResult = { claimed: claimed.length, outcomes: {} };
  const count = (outcome: Outcome) => (result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1);
  const pending = new Set(claimed.map((row) => row.id));
  const withoutCredits = new Set<string>();
  try {
    for (const row of claimed) {
      if (signal?.aborted) break;
      let prepared: Prepared | Outcome;
      try {
        prepared = await prepare(deps, row);
      } catch (error) {
        deps.log.warn({ orgId: row.org_id, err: error }, 'org unavailable for staff SMS: they wait');
        const at = new Date(deps.now().getTime() + ORG_UNAVAILABLE_DELAY_MS);
        prepared = await retryAt(deps.store, row, at, 'org_unavailable', deps.now());
      }
      // From here the row is this send's: a failure leaves it 'sending' for reconcileStale.
      pending.delete(row.id);
      if (typeof prepared === 'string') {
        count(prepared);
        continue;
      }
      const outcome = await send(deps, row, prepared);
      if (outcome === 'no_credits') withoutCredits.add(row.org_id);
      count(outcome === 'no_credits' ? 'retry' : outcome);
    }
  } finally {
    // Stopped mid-batch: what was claimed and not started goes back untouched.
    if (pending.size > 0) {
      await deps.store.query(
        `update staff_sms set state = 'planned' where id = any($1::int8[]) and state = 'sending'`,
        [[...pending]],
      );
    }
  }
  for (const orgId of withoutCredits) {
    deps.log.warn({ orgId }, 'SMS credits exhausted: staff SMS wait until credits arrive');
  }
  return result;
}

/** The recipient and text of a claimed row, or how its dispatch ended without a send. */
async function prepare(deps: StaffDispatchDeps, row: StaffSmsRow): Promise<Prepared | Outcome> {
  const now = deps.now();
  const end = async (state: 'cancelled' | 'skipped' | 'failed', reason: string): Promise<Outcome> => {
    await settle(deps.store, row.id, state, reason, deps.now());
    return state;
  };
  if (now.getTime() >= row.not_after.getTime()) return end('failed', 'expired');
  const prefs = await readPreferences(deps.orgApi, row.org_id, row.resource_id);
  if (prefs && !isValidTimeZone(prefs.timeZone)) return end('failed', 'bad_time_zone');
  if (row.kind === 'agenda') {
    if (!prefs?.agendaTime) return end('cancelled', 'agenda_off');
    // The staff member chose a later time since it was planned (the planner has not seen it yet): wait for it.
    const wanted = agendaSendTime(row.agenda_date!, prefs.agendaTime, prefs.timeZone);
    if (wanted > now.getTime()) {
      await moveAgenda(deps.store, row.id, new Date(wanted), new Date(wanted + AGENDA_LATE_MS), now);
      return 'retry';
    }
    const to = (await staffMobilePhones(deps.orgApi, row.org_id, [prefs.userId])).get(prefs.userId);
    if (!to) return end('skipped', 'no_staff_number');
    const appointments = await readAgenda(deps.orgApi, row.org_id, prefs, row.agenda_date!);
    return { to, body: agendaText(row.agenda_date!, prefs.timeZone, now, appointments) };
  }

  const kind = row.alert_kind!;
  if (!prefs?.alerts[kind]) return end('cancelled', 'alert_off');
  const quiet = quietPeriodAt(now.getTime(), prefs.timeZone, (await deps.settings(row.org_id)).quietHours);
  if (quiet) return retryAt(deps.store, row, new Date(quiet.end), 'quiet_hours', now);
  const [appointment] = await deps.orgApi.queryAll<SalesforceRecord>(
    row.org_id,
    soql`SELECT Id, Start__c, Status__c, Patient_Name__c, Appointment_Type__r.Name, Resource__c, IsDeleted
           FROM Slotwise_Appointment__c WHERE Id = ${row.appointment_id!}`,
  );
  if (!appointment) return end('cancelled', 'appointment_gone');
  if (appointment.Resource__c !== row.resource_id) return end('cancelled', 'reassigned');
  const gone = appointment.IsDeleted === true || appointment.Status__c === CANCELLED;
  if (kind === 'cancelled') {
    if (!gone) return end('cancelled', 'reinstated');
  } else {
    const active = !gone && ACTIVE_STATUSES.includes(String(appointment.Status__c));
    if (!active) return end('cancelled', 'not_active');
    // Moved again since: the alert of that later change tells the staff member instead.
    const start = salesforceDateTime(appointment.Start__c);
    if (start?.getTime() !== row.appointment_start!.getTime()) return end('cancelled', 'superseded');
  }
  const to = (await staffMobilePhones(deps.orgApi, row.org_id, [prefs.userId])).get(prefs.userId);
  if (!to) return end('skipped', 'no_staff_number');
  const about = textAppointment(appointment, row.appointment_start!);
  return { to, body: alertText(kind, about, prefs.timeZone, row.previous_start) };
}

/** The resource's preferences as the org holds them now; undefined when it is gone, inactive or has no user. */
async function readPreferences(
  orgApi: OrgApi,
  orgId: string,
  resourceId: string,
): Promise<StaffPreferences | undefined> {
  const [row] = await orgApi.query<SalesforceRecord>(
    orgId,
    soql`SELECT Id, User__c, Time_Zone__c, Agenda_SMS_Time__c, Alert_New__c, Alert_Rescheduled__c,
                Alert_Cancelled__c, Active__c
           FROM Slotwise_Resource__c WHERE Id = ${resourceId}`,
  );
  return row?.Active__c === true ? preferencesOf(row) : undefined;
}

/** The resource's active appointments that start on local day `date`, in start order. */
async function readAgenda(
  orgApi: OrgApi,
  orgId: string,
  prefs: StaffPreferences,
  date: string,
): Promise<StaffTextAppointment[]> {
  const day = localDayRange(date, date, prefs.timeZone);
  const rows = await orgApi.query<SalesforceRecord>(
    orgId,
    soql`SELECT Start__c, Patient_Name__c, Appointment_Type__r.Name FROM Slotwise_Appointment__c
          WHERE Resource__c = ${prefs.resourceId} AND Status__c IN ${ACTIVE_STATUSES}
            AND Start__c >= ${new Date(day.from)} AND Start__c < ${new Date(day.to)}
          ORDER BY Start__c ASC`,
  );
  return rows.flatMap((row) => {
    const start = salesforceDateTime(row.Start__c);
    return start ? [textAppointment(row, start)] : [];
  });
}

/** What staff texts show of an appointment: its type and the patient's first name only. */
function textAppointment(row: SalesforceRecord, start: Date): StaffTextAppointment {
  const type = row.Appointment_Type__r as { Name?: unknown } | null | undefined;
  const name = typeof row.Patient_Name__c === 'string' ? row.Patient_Name__c.trim() : '';
  return {
    start,
    type: typeof type?.Name === 'string' ? type.Name : '',
    firstName: name.split(/\s+/)[0] ?? '',
  };
}

/** Sends a prepared text and settles the row by what sendReply answered. */
async function send(deps: StaffDispatchDeps, row: StaffSmsRow, prepared: Prepared): Promise<Outcome | 'no_credits'> {
  const hash = recipientHash(await deps.recipientKey(), row.org_id, prepared.to);
  await markAttempt(deps.store, row.id, hash, deps.now());
  const outcome = await deps.send({
    orgId: row.org_id,
    appointmentId: row.appointment_id,
    to: prepared.to,
    recipientHash: hash,
    body: prepared.body,
    kind: MESSAGE_KIND[row.kind],
  });
  const now = deps.now();
  switch (outcome.kind) {
    case 'sent': {
      const [message] = await deps.store.query<{ id: number }>('select id from sms_message where twilio_sid = $1', [
        outcome.sid,
      ]);
      await settle(deps.store, row.id, 'sent', null, now, message?.id ?? null);
      return 'sent';
    }
    case 'skipped_opted_out':
    case 'opted_out':
      await settle(deps.store, row.id, 'skipped', 'opted_out', now);
      return 'skipped';
    case 'no_credits': {
      const at = new Date(now.getTime() + NO_CREDITS_DELAY_MS);
      return (await retryAt(deps.store, row, at, 'no_credits', now)) === 'retry' ? 'no_credits' : 'failed';
    }
    case 'retry':
      // No answer: Twilio may have the message, and sendReply cannot tell. Once too few, never twice.
      if (outcome.maybeSent) {
        await settle(deps.store, row.id, 'failed', 'unconfirmed', now);
        return 'failed';
      }
      return retryAt(deps.store, row, new Date(now.getTime() + outcome.afterMs), 'twilio_busy', now);
    case 'invalid_number':
      await settle(deps.store, row.id, 'failed', `invalid_number:${outcome.code}`, now);
      return 'failed';
    case 'failed':
      await settle(deps.store, row.id, 'failed', `twilio:${outcome.code}`, now);
      return 'failed';
  }
}
