// An org's reminder settings, read through the gateway: its active Slotwise_Reminder_Rule__c rows,
// the booking page's quiet hours, default zone and notes-to-staff switch, and the org's name (the
// {OrgName} merge field).
// Cached per org; sync's config_changed for these objects drops the entry (plugins/reminders.ts),
// and a TTL bounds how long another instance, which does not hear that event, keeps an old copy.
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import { clampQuietHours, DEFAULT_QUIET_HOURS, parseQuietHours } from './quiet-hours.ts';
import type { QuietHours, ReminderRule } from './types.ts';

export const REMINDER_RULE_OBJECT = 'Slotwise_Reminder_Rule__c';
export const BOOKING_PAGE_OBJECT = 'Slotwise_Booking_Page__c';

export interface ReminderSettings {
  rules: ReminderRule[];
  quietHours: QuietHours;
  /** The booking page's default zone: for an appointment without Time_Zone__c. */
  defaultTimeZone: string;
  orgName: string;
  /** Notify_Staff_Of_Replies__c: a reply the service cannot act on is flagged for staff. */
  notifyStaffOfReplies: boolean;
}

/**
 * The booking page's quiet hours, never narrower than the service's (an org may only be stricter:
 * clampQuietHours). A page whose quiet hours are not times of day gets the default.
 */
export function quietHoursOf(page: SalesforceRecord | undefined): QuietHours {
  const time = (value: unknown) => (typeof value === 'string' ? value : null);
  try {
    return clampQuietHours(parseQuietHours(time(page?.Quiet_Hours_Start__c), time(page?.Quiet_Hours_End__c)));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return DEFAULT_QUIET_HOURS;
  }
}

/** A rule row as the planner needs it; undefined for one it cannot use (no offset or template). */
export function ruleOf(row: SalesforceRecord): ReminderRule | undefined {
  const offset = row.Offset_Minutes__c;
  const template = row.Template__c;
  if (typeof offset !== 'number' || !Number.isFinite(offset) || typeof template !== 'string' || template === '') {
    return undefined;
  }
  return {
    id: row.Id,
    audience: row.Audience__c === 'Staff' ? 'staff' : 'patient',
    offsetMinutes: offset,
    template,
    ifPast: row.If_Past__c === 'Send Now' ? 'send-now' : 'skip',
    appointmentTypeId: typeof row.Appointment_Type__c === 'string' ? row.Appointment_Type__c : null,
  };
}

export async function loadReminderSettings(orgApi: OrgApi, orgId: string): Promise<ReminderSettings> {
  const [rules, pages, orgs] = await Promise.all([
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Audience__c, Offset_Minutes__c, Template__c, If_Past__c, Appointment_Type__c
           FROM Slotwise_Reminder_Rule__c WHERE Active__c = true`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Quiet_Hours_Start__c, Quiet_Hours_End__c, Default_Time_Zone__c, Notify_Staff_Of_Replies__c
           FROM Slotwise_Booking_Page__c LIMIT 1`,
    ),
    orgApi.query<SalesforceRecord>(orgId, soql`SELECT Id, Name FROM Organization LIMIT 1`),
  ]);
  const page = pages[0];
  return {
    rules: rules.map(ruleOf).filter((rule): rule is ReminderRule => rule !== undefined),
    quietHours: quietHoursOf(page),
    defaultTimeZone: typeof page?.Default_Time_Zone__c === 'string' ? page.Default_Time_Zone__c : 'UTC',
    orgName: typeof orgs[0]?.Name === 'string' ? orgs[0].Name : '',
    notifyStaffOfReplies: page?.Notify_Staff_Of_Replies__c === true,
  };
}

/** Settings per org, loaded once per TTL (concurrent callers share one load). */
export class ReminderSettingsCache {
  readonly #entries = new Map<string, { at: number; value: Promise<ReminderSettings> }>();
  readonly #orgApi: () => OrgApi;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(orgApi: () => OrgApi, ttlMs = 60_000, now: () => number = Date.now) {
    this.#orgApi = orgApi;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(orgId: string): Promise<ReminderSettings> {
    const entry = this.#entries.get(orgId);
    if (entry && this.#now() - entry.at < this.#ttlMs) return entry.value;
    const value = loadReminderSettings(this.#orgApi(), orgId);
    this.#entries.set(orgId, { at: this.#now(), value });
    value.catch(() => {
      if (this.#entries.get(orgId)?.value === value) this.#entries.delete(orgId);
    });
    return value;
  }

  invalidate(orgId: string): void {
    this.#entries.delete(orgId);
  }
}
