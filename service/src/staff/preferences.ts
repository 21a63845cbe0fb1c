// What the org says about staff SMS: each active resource's preferences (Agenda_SMS_Time__c,
// Alert_*__c, its zone and user) and the booking page's quiet hours, which alerts respect. Read
// through the gateway and cached per org; sync's config_changed for these objects drops the entry
// (plugins/staff-sms.ts), and a TTL bounds how long another instance keeps an old copy.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { quietHoursOf } from '../reminders/rules.ts';
import type { QuietHours } from '../reminders/types.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import { agendaTimeOf } from './agenda.ts';
import type { StaffPreferences } from './types.ts';

export const RESOURCE_OBJECT = 'Slotwise_Resource__c';

export interface StaffSettings {
  /** Active resources linked to a user, by resource id. */
  resources: Map<string, StaffPreferences>;
  quietHours: QuietHours;
}

/** A resource row as the planners need it; undefined for one without a user to text. */
export function preferencesOf(row: SalesforceRecord): StaffPreferences | undefined {
  if (typeof row.User__c !== 'string' || row.User__c === '') return undefined;
  return {
    resourceId: row.Id,
    userId: row.User__c,
    timeZone: typeof row.Time_Zone__c === 'string' ? row.Time_Zone__c : '',
    agendaTime: agendaTimeOf(row.Agenda_SMS_Time__c),
    alerts: {
      created: row.Alert_New__c === true,
      rescheduled: row.Alert_Rescheduled__c === true,
      cancelled: row.Alert_Cancelled__c === true,
    },
  };
}

export async function loadStaffSettings(orgApi: OrgApi, orgId: string): Promise<StaffSettings> {
  const [rows, pages] = await Promise.all([
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, User__c, Time_Zone__c, Agenda_SMS_Time__c, Alert_New__c, Alert_Rescheduled__c,
                  Alert_Cancelled__c
             FROM Slotwise_Resource__c WHERE Active__c = true AND User__c != null`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Quiet_Hours_Start__c, Quiet_Hours_End__c FROM Slotwise_Booking_Page__c LIMIT 1`,
    ),
  ]);
  const resources = new Map<string, StaffPreferences>();
  for (const row of rows) {
    const prefs = preferencesOf(row);
    if (prefs) resources.set(prefs.resourceId, prefs);
  }
  return { resources, quietHours: quietHoursOf(pages[0]) };
}

/**
 * The users' MobilePhone in E.164, by user id, in one query (a relationship two levels deep,
 * Resource__r.User__r, is valid SOQL too; one level plus this query is what every caller needs).
 * A number without its country code (+44…) cannot be placed and is left out: nobody to text.
 */
export async function staffMobilePhones(
  orgApi: OrgApi,
  orgId: string,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  const phones = new Map<string, string>();
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return phones;
  const rows = await orgApi.query<SalesforceRecord>(orgId, soql`SELECT Id, MobilePhone FROM User WHERE Id IN ${ids}`);
  for (const row of rows) {
    const parsed = typeof row.MobilePhone === 'string' ? parsePhoneNumberFromString(row.MobilePhone) : undefined;
    if (parsed?.isValid()) phones.set(row.Id, parsed.number);
  }
  return phones;
}

/** Settings per org, loaded once per TTL (concurrent callers share one load). */
export class StaffSettingsCache {
  readonly #entries = new Map<string, { at: number; value: Promise<StaffSettings> }>();
  readonly #orgApi: () => OrgApi;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(orgApi: () => OrgApi, ttlMs = 5 * 60_000, now: () => number = Date.now) {
    this.#orgApi = orgApi;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(orgId: string): Promise<StaffSettings> {
    const entry = this.#entries.get(orgId);
    if (entry && this.#now() - entry.at < this.#ttlMs) return entry.value;
    const value = loadStaffSettings(this.#orgApi(), orgId);
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
