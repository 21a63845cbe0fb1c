// Sends due reminders. Each pass claims a batch (planned → sending, `for update skip locked`, so
// instances never take the same row), reads those appointments from the org in one query, and
// sends what still stands: a reminder whose appointment moved, was cancelled or lost its consent is
// retired here, so no message ever carries a start the org no longer has. See docs/sms.md for the
// order of writes around the Twilio call and how a crash in between is reconciled (reconcile.ts).
import type { Envelope } from '../crypto/envelope.ts';
import { eachLimited } from '../each-limited.ts';
import { linkExpiry, signManageToken } from '../booking/manage-token.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import { waitForSendSlot, type SendRate } from '../sms/rate-limit.ts';
import { recipientHash } from '../sms/recipient.ts';
import type { SendResult, SmsApi, SmsSender } from '../sms/sender.ts';
import { parseTemplate, renderTemplate, segmentInfo } from '../sms/template.ts';
import type { Store, Transaction } from '../store/store.ts';
import { salesforceDateTime } from '../sync/derive.ts';
import { availableSmsCredits, consumeSmsCredits, releaseSmsCredits } from '../credits/sms-credits.ts';
import { markAccepted, markNotSent, recordOutbound } from '../sms/outbound.ts';
import { isOptedOut, recordOptOutOfMessage } from '../sms/opt-outs.ts';
import { staffMobilePhones } from '../staff/preferences.ts';
import { reconcileAttempt } from './reconcile.ts';
import type { ReminderSettings } from './rules.ts';

/** Statuses that still get reminders (the planner's rule, checked again against the org). */
const REMINDABLE = new Set(['Scheduled', 'Confirmed']);
/** Twilio keeps a message queued at most this long (we ask for less when the reminder goes stale sooner). */
const MAX_VALIDITY_SECONDS = 14_400;
/** How long a pass waits for the shared rate limit before giving the reminder back. */
const MAX_RATE_WAIT_MS = 10_000;
/** An org that cannot be read: its reminders wait this long before another try. */
const ORG_UNAVAILABLE_DELAY_MS = 60_000;
/**
 * A batch's org read is trusted this long. Sends are one after another (a slow Twilio answer, a
 * wait for the rate limit), so a later reminder of the batch reads the org again first: an
 * appointment moved meanwhile is then retired instead of texted with its old time.
 */
const READ_FRESH_MS = 1_000;

export interface Logger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatchDeps {
  store: Store;
  envelope: Envelope;
  orgApi: OrgApi;
  sms: SmsApi;
  sender: SmsSender;
  rate: SendRate;
  settings(orgId: string): Promise<ReminderSettings>;
  recipientKey(): Promise<Buffer>;
  signingKey(): Promise<Buffer>;
  publicUrl: URL;
  /**
   * Reminders of one batch sent at once. A send is mostly waiting (the store, Twilio), so a few in
   * flight multiply a lane's throughput; the shared rate limit still paces them.
   */
  sendConcurrency: number;
  /** SMS_CREDIT_ALLOWANCE: the credits an org's ledger opens with. */
  openingAllowance: number;
  log: Logger;
  now(): Date;
}

export type ReminderRow = {
  id: number;
  org_id: string;
  appointment_id: string;
  rule_id: string;
  audience: string;
  send_at: Date;
  not_after: Date;
  appointment_start: Date;
};

export type Outcome = 'sent' | 'cancelled' | 'skipped' | 'failed' | 'paused' | 'retry';

export interface PassResult {
  claimed: number;
  outcomes: Partial<Record<Outcome, number>>;
}

/** The sender's key for the shared rate limit and for reconciliation's From filter. */
export function senderKey(sender: SmsSender): string {
  return sender.messagingServiceSid ?? sender.from;
}

/** Claims up to `limit` due reminders for this instance: planned → sending. */
export async function claimDue(store: Store, now: Date, limit: number): Promise<ReminderRow[]> {
  return store.query<ReminderRow>(
    `update sms_reminder set state = 'sending', updated_at = $1
      where id in (select id from sms_reminder where state = 'planned' and send_at <= $1
                    order by send_at, id limit $2 for update skip locked)
      returning id, org_id, appointment_id, rule_id, audience, send_at, not_after, appointment_start`,
    [now, limit],
  );
}

/** Ends a reminder's dispatch (only from 'sending', the state this instance claimed it in). */
export async function settle(
  store: Pick<Store, 'query'>,
  id: number,
  state: 'sent' | 'cancelled' | 'skipped' | 'failed' | 'paused',
  reason: string | null,
  now: Date,
): Promise<void> {
  await store.query(
    `update sms_reminder set state = $2, state_reason = $3, updated_at = $4 where id = $1 and state = 'sending'`,
    [id, state, reason, now],
  );
}

/** Back to planned for another try at `at`, or failed 'expired' when that is too late to be useful. */
export async function replan(
  store: Pick<Store, 'query'>,
  reminder: Pick<ReminderRow, 'id' | 'not_after'>,
  at: Date,
  now: Date,
): Promise<'retry' | 'failed'> {
  if (at.getTime() >= reminder.not_after.getTime()) {
    await settle(store, reminder.id, 'failed', 'expired', now);
    return 'failed';
  }
  await store.query(
    `update sms_reminder set state = 'planned', send_at = $2, updated_at = $3 where id = $1 and state = 'sending'`,
    [reminder.id, at, now],
  );
  return 'retry';
}

/** Paused reminders of orgs whose balance is above zero again go back to planned. */
export async function resumePaused(deps: DispatchDeps): Promise<number> {
  const now = deps.now();
  const orgs = await deps.store.query<{ org_id: string }>(
    `select distinct org_id from sms_reminder where state = 'paused'`,
  );
  let resumed = 0;
  for (const { org_id } of orgs) {
    if ((await availableSmsCredits(deps.store, org_id, deps.openingAllowance)) <= 0) continue;
    const rows = await deps.store.query(
      `update sms_reminder set state = 'planned', state_reason = null, updated_at = $2
        where org_id = $1 and state = 'paused' returning id`,
      [org_id, now],
    );
    resumed += rows.length;
    deps.log.info({ orgId: org_id, resumed: rows.length }, 'SMS credits available: paused reminders resumed');
  }
  return resumed;
}

/** One batch: claim, read the org, send. */
export async function dispatchBatch(deps: DispatchDeps, limit: number, signal?: AbortSignal): Promise<PassResult> {
  const claimed = await claimDue(deps.store, deps.now(), limit);
  const result: PassResult = { claimed: claimed.length, outcomes: {} };
  const count = (outcome: Outcome) => (result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1);
  const byOrg = Map.groupBy(claimed, (row) => row.org_id);
  const pending = new Set(claimed.map((row) => row.id));
  try {
    for (const [orgId, reminders] of byOrg) {
      const orgUnavailable = async (error: unknown, waiting: readonly ReminderRow[]) => {
        deps.log.warn({ orgId, err: error }, 'org unavailable for reminders: they wait');
        for (const reminder of waiting) {
          const at = new Date(deps.now().getTime() + ORG_UNAVAILABLE_DELAY_MS);
          count(await replan(deps.store, reminder, at, deps.now()));
          pending.delete(reminder.id);
        }
      };
      let appointments: Map<string, SalesforceRecord>;
      let settings: ReminderSettings;
      let readAt = deps.now().getTime();
      try {
        [appointments, settings] = await Promise.all([
          readAppointments(deps.orgApi, orgId, reminders),
          deps.settings(orgId),
        ]);
      } catch (error) {
        await orgUnavailable(error, reminders);
        continue;
      }
      const pausedBefore = result.outcomes.paused ?? 0;
      for (let index = 0; index < reminders.length; index += deps.sendConcurrency) {
        if (signal?.aborted) return result;
        if (deps.now().getTime() - readAt > READ_FRESH_MS) {
          const rest = reminders.slice(index);
          try {
            appointments = await readAppointments(deps.orgApi, orgId, rest);
            readAt = deps.now().getTime();
          } catch (error) {
            await orgUnavailable(error, rest);
            break;
          }
        }
        const chunk = reminders.slice(index, index + deps.sendConcurrency);
        const outcomes = await eachLimited(chunk, deps.sendConcurrency, async (reminder) => {
          const outcome = await sendReminder(
            deps,
            reminder,
            appointments.get(reminder.appointment_id),
            settings,
            signal,
          );
          pending.delete(reminder.id);
          return outcome;
        });
        outcomes.forEach(count);
      }
      if ((result.outcomes.paused ?? 0) > pausedBefore) {
        // The admin's alert: a warning per pass that pauses reminders, and the paused count in status.
        deps.log.warn({ orgId }, 'SMS credits exhausted: reminders paused until credits arrive');
      }
    }
  } finally {
    // Stopped mid-batch: what was claimed and not started goes back untouched.
    if (pending.size > 0) {
      await deps.store.query(
        `update sms_reminder set state = 'planned' where id = any($1::int8[]) and state = 'sending'`,
        [[...pending]],
      );
    }
  }
  return result;
}

async function readAppointments(
  orgApi: OrgApi,
  orgId: string,
  reminders: readonly ReminderRow[],
): Promise<Map<string, SalesforceRecord>> {
  const ids = [...new Set(reminders.map((reminder) => reminder.appointment_id))];
  const rows = await orgApi.query<SalesforceRecord>(
    orgId,
    soql`SELECT Id, Start__c, Status__c, Patient_Phone__c, Patient_Name__c, SMS_Consent__c, Time_Zone__c,
                Appointment_Type__r.Name, Resource__r.Name, Resource__r.User__c
           FROM Slotwise_Appointment__c WHERE Id IN ${ids}`,
  );
  return new Map(rows.map((row) => [row.Id, row]));
}

function relatedName(row: SalesforceRecord, relationship: string): string {
  const related = row[relationship] as { Name?: unknown } | null | undefined;
  return typeof related?.Name === 'string' ? related.Name : '';
}

/** Decides and, when it still stands, sends one claimed reminder. */
async function sendReminder(
  deps: DispatchDeps,
  reminder: ReminderRow,
  appointment: SalesforceRecord | undefined,
  settings: ReminderSettings,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  const now = deps.now();
  const end = async (state: 'cancelled' | 'skipped' | 'failed', reason: string): Promise<Outcome> => {
    await settle(deps.store, reminder.id, state, reason, deps.now());
    return state;
  };
  if (!appointment) return end('cancelled', 'appointment_gone');
  const start = salesforceDateTime(appointment.Start__c);
  // The org is the truth at send time: a start or status sync has not caught up with yet stops here.
  if (start?.getTime() !== reminder.appointment_start.getTime()) return end('cancelled', 'rescheduled');
  if (typeof appointment.Status__c !== 'string' || !REMINDABLE.has(appointment.Status__c)) {
    return end('cancelled', 'not_active');
  }
  if (now.getTime() >= reminder.not_after.getTime()) return end('failed', 'expired');
  const rule = settings.rules.find((candidate) => candidate.id === reminder.rule_id);
  if (!rule) return end('cancelled', 'rule_removed');
  let to: string;
  if (reminder.audience === 'staff') {
    // The staff member's mobile is on the resource's user: one more query, for staff reminders only.
    const related = appointment.Resource__r as { User__c?: unknown } | null | undefined;
    const userId = typeof related?.User__c === 'string' ? related.User__c : undefined;
    const staffPhone = userId && (await staffMobilePhones(deps.orgApi, reminder.org_id, [userId])).get(userId);
    if (!staffPhone) return end('skipped', 'no_staff_number');
    to = staffPhone;
  } else {
    if (appointment.SMS_Consent__c !== true) return end('skipped', 'no_consent');
    to = typeof appointment.Patient_Phone__c === 'string' ? appointment.Patient_Phone__c.trim() : '';
    if (to === '') return end('skipped', 'no_phone');
  }
  const hash = recipientHash(await deps.recipientKey(), reminder.org_id, to);
  if (await isOptedOut(deps.store, reminder.org_id, hash)) return end('skipped', 'opted_out');
  const parsed = parseTemplate(rule.template);
  if (!parsed.ok) return end('failed', 'bad_template');

  const timeZone = typeof appointment.Time_Zone__c === 'string' ? appointment.Time_Zone__c : settings.defaultTimeZone;
  const patientName = typeof appointment.Patient_Name__c === 'string' ? appointment.Patient_Name__c.trim() : '';
  const body = renderTemplate(parsed.template, {
    firstName: patientName.split(/\s+/)[0] ?? '',
    appointmentStart: start,
    timeZone,
    appointmentType: relatedName(appointment, 'Appointment_Type__r'),
    resource: relatedName(appointment, 'Resource__r'),
    orgName: settings.orgName,
    manageLink: (await manageLink(deps, reminder.org_id, reminder.appointment_id)) ?? '',
  });
  const estimate = segmentInfo(body).segments;

  const sender = senderKey(deps.sender);
  if (!(await waitForSendSlot(deps.store, sender, deps.rate, MAX_RATE_WAIT_MS, signal))) {
    return replan(deps.store, reminder, new Date(deps.now().getTime() + 1_000), deps.now());
  }

  // The attempt and its credits are stored before Twilio is asked (docs/sms.md).
  const attempt = await recordOutbound(
    deps.store,
    deps.envelope,
    {
      orgId: reminder.org_id,
      kind: 'reminder',
      reminderId: reminder.id,
      appointmentId: reminder.appointment_id,
      recipientHash: hash,
      to,
      body,
      sender,
      segments: estimate,
    },
    creditOptions(deps),
  );
  if (!attempt) {
    await settle(deps.store, reminder.id, 'paused', 'no_credits', deps.now());
    return 'paused';
  }

  const sendTime = deps.now();
  const validity = Math.min(
    MAX_VALIDITY_SECONDS,
    Math.floor((reminder.not_after.getTime() - sendTime.getTime()) / 1000),
  );
  if (validity < 1) {
    await notSent(deps, attempt.id, 'expired', sendTime);
    return end('failed', 'expired');
  }
  const result = await deps.sms.sendSms({
    ...deps.sender,
    to,
    body,
    statusCallback: statusCallbackUrl(deps.publicUrl, attempt.id),
    validityPeriodSeconds: validity,
    attempt: attempt.attempt,
  });
  return applySendResult(deps, reminder, attempt.id, result);
}

/** Where Twilio reports this attempt's status: the message id comes back with its SID (docs/sms.md). */
export function statusCallbackUrl(publicUrl: URL, messageId: number): string {
  const url = new URL('/webhooks/twilio/status', publicUrl);
  url.searchParams.set('message', String(messageId));
  return url.toString();
}

/** Stores what Twilio answered and moves the reminder on. */
export async function applySendResult(
  deps: DispatchDeps,
  reminder: Pick<ReminderRow, 'id' | 'org_id' | 'not_after'>,
  messageId: number,
  result: SendResult,
): Promise<Outcome> {
  const now = deps.now();
  switch (result.kind) {
    case 'sent':
      await deps.store.transaction(async (tx) => {
        await markAccepted(tx, messageId, result, now);
        await settle(tx, reminder.id, 'sent', null, now);
        // Last: it takes the org's ledger lock, held until the commit.
        await consumeCredits(deps, tx, messageId, result.segments);
      });
      return 'sent';
    case 'retry': {
      if (result.maybeSent) {
        // No answer: Twilio may have the message. Look before sending again.
        const found = await reconcileAttempt(deps, reminder, messageId);
        if (found !== 'not_found') return found;
      } else {
        await notSent(deps, messageId, String(result.code), now);
      }
      return replan(deps.store, reminder, new Date(now.getTime() + result.afterMs), now);
    }
    case 'opted_out':
      await notSent(deps, messageId, String(result.code), now);
      await recordOptOutOfMessage(deps.store, reminder.org_id, messageId, now);
      await settle(deps.store, reminder.id, 'skipped', 'opted_out', now);
      return 'skipped';
    case 'invalid_number':
      await notSent(deps, messageId, String(result.code), now);
      await settle(deps.store, reminder.id, 'failed', `invalid_number:${result.code}`, now);
      return 'failed';
    case 'failed':
      await notSent(deps, messageId, String(result.code), now);
      await settle(deps.store, reminder.id, 'failed', `twilio:${result.code}`, now);
      return 'failed';
  }
}

export async function notSent(deps: CreditDeps, messageId: number, code: string, now: Date) {
  await deps.store.transaction(async (tx) => {
    await markNotSent(tx, messageId, code, now);
    await releaseSmsCredits(tx, messageId, creditOptions(deps));
  });
}

type CreditDeps = Pick<DispatchDeps, 'store' | 'openingAllowance' | 'now' | 'log'>;

function creditOptions(deps: CreditDeps) {
  return { now: deps.now(), openingAllowance: deps.openingAllowance };
}

/** Twilio has the message: its segments are consumed (an estimate Twilio exceeded is logged, never negative). */
export async function consumeCredits(deps: CreditDeps, tx: Transaction, messageId: number, segments: number) {
  const { uncovered } = await consumeSmsCredits(tx, messageId, segments, creditOptions(deps));
  if (uncovered > 0) deps.log.warn({ messageId, uncovered }, 'SMS used more segments than the credits left');
}

/** The patient's manage link, for an appointment booked through the service; null for any other. */
async function manageLink(deps: DispatchDeps, orgId: string, appointmentId: string): Promise<string | null> {
  const [booking] = await deps.store.query<{ id: string; end_at: Date; link_version: number }>(
    `select id, end_at, link_version from booking where org_id = $1 and appointment_id = $2 and state = 'confirmed'`,
    [orgId, appointmentId],
  );
  if (!booking) return null;
  const token = signManageToken(await deps.signingKey(), {
    bookingId: booking.id,
    purpose: 'reschedule',
    expiresAt: linkExpiry(booking.end_at.getTime(), deps.now().getTime()),
    linkVersion: booking.link_version,
  });
  const url = new URL('/manage', deps.publicUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
