// An org's booking configuration, read through the gateway and mapped to OrgSchedule. A record the
// engine cannot use (a bad time zone, an end before its start) is skipped with a reason, so one bad
// rule does not take the whole booking page down; the reasons name record ids and fields only, so
// they are safe to log.
//
// API calls for a cold load: 7, one query per object (booking page, organization, appointment types,
// resources, resource↔type links, availability rules, availability exceptions), each one call unless
// it returns more than 2,000 rows. Relationship subqueries would fold some together, but the org
// emulator the tests run against does not support them; the seven are sent at once (the gateway
// caps how many run in parallel per org).
import type { AvailabilityException, IsoWeekday, WeeklyRule } from '../availability/types.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql } from '../salesforce/soql.ts';
import type {
  BookingPageSettings,
  ContactMatching,
  OrgSchedule,
  PublicAppointmentType,
  ScheduleResource,
} from './types.ts';

export const DEFAULT_BRAND_COLOR = '#0B5CAB';
export const DEFAULT_TIME_ZONE = 'UTC';
const DEFAULT_HORIZON_DAYS = 60;
const DEFAULT_CUTOFF_HOURS = 24;
const DAY_MS = 86_400_000;

/** What an appointment already booked takes of its resource, by type (active or not, public or not). */
export interface BookedTypeRules {
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  capacity: number;
}

export interface LoadedSchedule {
  schedule: OrgSchedule;
  /** Every usable appointment type's buffers and capacity: busy time of appointments of any type. */
  bookedTypes: Map<string, BookedTypeRules>;
  /** Records skipped or defaulted, and why: ids and field names only. */
  skipped: string[];
}

const WEEKDAYS: Record<string, IsoWeekday> = {
  Monday: 1,
  Tuesday: 2,
  Wednesday: 3,
  Thursday: 4,
  Friday: 5,
  Saturday: 6,
  Sunday: 7,
};

const CONTACT_MATCHING: Record<string, ContactMatching> = {
  'Match or create Contact': 'match-or-create-contact',
  'Match or create Lead': 'match-or-create-lead',
  'Match only': 'match-only',
};

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;

/** Reads and maps one org's configuration. `now` bounds the exceptions read (ending after now − 1 day). */
export async function loadSchedule(orgApi: OrgApi, orgId: string, now: Date): Promise<LoadedSchedule> {
  const exceptionsEndingAfter = new Date(now.getTime() - DAY_MS);
  const [pages, organizations, typeRows, resourceRows, linkRows, ruleRows, exceptionRows] = await Promise.all([
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Name, Public_Slug__c, Brand_Color__c, Default_Time_Zone__c, Cancellation_Cutoff_Hours__c, Contact_Matching__c, Consent_Text__c, Consent_Text_Version__c FROM Slotwise_Booking_Page__c WHERE Singleton__c = ${'org'} LIMIT 1`,
    ),
    orgApi.query<SalesforceRecord>(orgId, soql`SELECT Id, Name FROM Organization LIMIT 1`),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Name, Slug__c, Description__c, Duration_Minutes__c, Buffer_Before_Minutes__c, Buffer_After_Minutes__c, Slot_Interval_Minutes__c, Minimum_Notice_Minutes__c, Booking_Horizon_Days__c, Capacity__c, Price__c, Deposit__c, Deposit_Capture__c, Active__c, Public__c FROM Slotwise_Appointment_Type__c ORDER BY Name, Id`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Name, Time_Zone__c FROM Slotwise_Resource__c WHERE Active__c = ${true} ORDER BY Name, Id`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Resource__c, Appointment_Type__c FROM Slotwise_Resource_Type__c WHERE Resource__r.Active__c = ${true}`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Resource__c, Weekday__c, Start_Time__c, End_Time__c, Effective_From__c, Effective_To__c FROM Slotwise_Availability_Rule__c WHERE Resource__r.Active__c = ${true}`,
    ),
    orgApi.query<SalesforceRecord>(
      orgId,
      soql`SELECT Id, Resource__c, Kind__c, Start__c, End__c FROM Slotwise_Availability_Exception__c WHERE End__c > ${exceptionsEndingAfter} AND Resource__r.Active__c = ${true}`,
    ),
  ]);
  return mapSchedule(orgId, {
    page: pages[0],
    organization: organizations[0],
    types: typeRows,
    resources: resourceRows,
    links: linkRows,
    rules: ruleRows,
    exceptions: exceptionRows,
  });
}

export interface ScheduleRecords {
  page: SalesforceRecord | undefined;
  organization: SalesforceRecord | undefined;
  types: SalesforceRecord[];
  resources: SalesforceRecord[];
  links: SalesforceRecord[];
  rules: SalesforceRecord[];
  exceptions: SalesforceRecord[];
}

/** The records as the service uses them: pure. */
export function mapSchedule(orgId: string, records: ScheduleRecords): LoadedSchedule {
  const skipped: string[] = [];
  const skip = (object: string, id: unknown, reason: string) => skipped.push(`${object} ${String(id)}: ${reason}`);

  const resources = new Map<string, ScheduleResource>();
  for (const row of records.resources) {
    const timeZone = validTimeZone(row.Time_Zone__c);
    if (!timeZone) {
      skip('Slotwise_Resource__c', row.Id, 'Time_Zone__c is not an IANA time zone');
      continue;
    }
    resources.set(row.Id, { id: row.Id, name: text(row.Name), timeZone, rules: [], exceptions: [] });
  }

  for (const row of records.rules) {
    const resource = resources.get(String(row.Resource__c));
    if (!resource) continue; // its resource is inactive or was skipped
    const rule = weeklyRule(row);
    if (typeof rule === 'string') skip('Slotwise_Availability_Rule__c', row.Id, rule);
    else resource.rules.push(rule);
  }
  for (const resource of resources.values()) resource.rules.sort(byWeekdayAndStart);

  for (const row of records.exceptions) {
    const resource = resources.get(String(row.Resource__c));
    if (!resource) continue;
    const exception = availabilityException(row);
    if (typeof exception === 'string') skip('Slotwise_Availability_Exception__c', row.Id, exception);
    else resource.exceptions.push(exception);
  }
  for (const resource of resources.values()) resource.exceptions.sort((a, b) => a.start - b.start);

  const resourcesByType = new Map<string, string[]>();
  for (const row of records.links) {
    const resourceId = String(row.Resource__c);
    if (!resources.has(resourceId)) continue;
    const typeId = String(row.Appointment_Type__c);
    const list = resourcesByType.get(typeId) ?? [];
    if (!list.includes(resourceId)) list.push(resourceId);
    resourcesByType.set(typeId, list);
  }

  const types: PublicAppointmentType[] = [];
  const staffOnlyTypes: PublicAppointmentType[] = [];
  const bookedTypes = new Map<string, BookedTypeRules>();
  for (const row of records.types) {
    const type = appointmentType(row, resourcesByType.get(row.Id) ?? []);
    if (typeof type === 'string') {
      skip('Slotwise_Appointment_Type__c', row.Id, type);
      continue;
    }
    bookedTypes.set(type.id, {
      bufferBeforeMinutes: type.bufferBeforeMinutes,
      bufferAfterMinutes: type.bufferAfterMinutes,
      capacity: type.capacity,
    });
    if (row.Active__c === true) (row.Public__c === true ? types : staffOnlyTypes).push(type);
  }

  const page = bookingPage(orgId, records.page, records.organization, skipped);
  return { schedule: { orgId, page, types, staffOnlyTypes, resources }, bookedTypes, skipped };
}

function bookingPage(
  orgId: string,
  row: SalesforceRecord | undefined,
  organization: SalesforceRecord | undefined,
  skipped: string[],
): BookingPageSettings {
  if (!row) skipped.push('Slotwise_Booking_Page__c: no record; defaults used and no public address');
  const slug = text(row?.Public_Slug__c).trim().toLowerCase();
  if (slug && !SLUG.test(slug)) {
    skipped.push(`Slotwise_Booking_Page__c ${String(row?.Id)}: Public_Slug__c is not a-z, 0-9 and hyphens`);
  }
  const brand = text(row?.Brand_Color__c);
  if (brand && !/^#[0-9A-Fa-f]{6}$/.test(brand)) {
    skipped.push(`Slotwise_Booking_Page__c ${String(row?.Id)}: Brand_Color__c is not #RRGGBB; default used`);
  }
  const zone = validTimeZone(row?.Default_Time_Zone__c);
  if (row?.Default_Time_Zone__c && !zone) {
    skipped.push(`Slotwise_Booking_Page__c ${String(row.Id)}: Default_Time_Zone__c is not an IANA time zone; UTC used`);
  }
  const cutoff = wholeNumber(row?.Cancellation_Cutoff_Hours__c);
  return {
    orgId,
    slug: SLUG.test(slug) ? slug : '',
    name: text(organization?.Name) || text(row?.Name),
    brandColor: /^#[0-9A-Fa-f]{6}$/.test(brand) ? brand.toUpperCase() : DEFAULT_BRAND_COLOR,
    defaultTimeZone: zone ?? DEFAULT_TIME_ZONE,
    cancellationCutoffHours: cutoff !== null && cutoff >= 0 ? cutoff : DEFAULT_CUTOFF_HOURS,
    contactMatching: CONTACT_MATCHING[text(row?.Contact_Matching__c)] ?? 'match-or-create-lead',
    consentText: text(row?.Consent_Text__c),
    consentTextVersion: text(row?.Consent_Text_Version__c),
  };
}

function appointmentType(row: SalesforceRecord, resourceIds: string[]): PublicAppointmentType | string {
  const duration = wholeNumber(row.Duration_Minutes__c);
  if (duration === null || duration <= 0) return 'Duration_Minutes__c is not a positive whole number';
  const fields = {
    bufferBeforeMinutes: [row.Buffer_Before_Minutes__c, 0, 'Buffer_Before_Minutes__c'],
    bufferAfterMinutes: [row.Buffer_After_Minutes__c, 0, 'Buffer_After_Minutes__c'],
    slotIntervalMinutes: [row.Slot_Interval_Minutes__c, duration, 'Slot_Interval_Minutes__c'],
    minimumNoticeMinutes: [row.Minimum_Notice_Minutes__c, 0, 'Minimum_Notice_Minutes__c'],
    horizonDays: [row.Booking_Horizon_Days__c, DEFAULT_HORIZON_DAYS, 'Booking_Horizon_Days__c'],
    capacity: [row.Capacity__c, 1, 'Capacity__c'],
  } as const;
  const values: Record<string, number> = {};
  for (const [key, [raw, fallback, field]] of Object.entries(fields)) {
    if (raw === null || raw === undefined) {
      values[key] = fallback;
      continue;
    }
    const value = wholeNumber(raw);
    // Intervals and capacity must be positive; buffers, notice and horizon may be zero.
    const least = key === 'slotIntervalMinutes' || key === 'capacity' ? 1 : 0;
    if (value === null || value < least) return `${field} is not a whole number of at least ${least}`;
    values[key] = value;
  }
  return {
    id: row.Id,
    name: text(row.Name),
    // A type without a slug is still addressable: by its record id.
    slug: text(row.Slug__c).trim().toLowerCase() || row.Id,
    description: text(row.Description__c),
    price: money(row.Price__c),
    deposit: money(row.Deposit__c),
    depositCapture: row.Deposit_Capture__c === 'Authorize then capture' ? 'authorize' : 'at_booking',
    resourceIds,
    durationMinutes: duration,
    bufferBeforeMinutes: values.bufferBeforeMinutes!,
    bufferAfterMinutes: values.bufferAfterMinutes!,
    slotIntervalMinutes: values.slotIntervalMinutes!,
    minimumNoticeMinutes: values.minimumNoticeMinutes!,
    horizonDays: values.horizonDays!,
    capacity: values.capacity!,
  };
}

function weeklyRule(row: SalesforceRecord): WeeklyRule | string {
  const weekday = WEEKDAYS[text(row.Weekday__c)];
  if (!weekday) return 'Weekday__c is not a day of the week';
  const startTime = wallClock(row.Start_Time__c);
  let endTime = wallClock(row.End_Time__c);
  if (!startTime || !endTime) return 'Start_Time__c or End_Time__c is missing';
  // A rule that ends at midnight ends at the end of its day.
  if (endTime === '00:00') endTime = '24:00';
  if (endTime <= startTime) return 'End_Time__c is not after Start_Time__c';
  const from = isoDate(row.Effective_From__c);
  const to = isoDate(row.Effective_To__c);
  if (from && to && to < from) return 'Effective_To__c is before Effective_From__c';
  return { weekday, startTime, endTime, ...(from ? { effectiveFrom: from } : {}), ...(to ? { effectiveTo: to } : {}) };
}

function availabilityException(row: SalesforceRecord): AvailabilityException | string {
  const kind = row.Kind__c === 'Closed' ? 'closed' : row.Kind__c === 'Extra Hours' ? 'extra' : undefined;
  if (!kind) return 'Kind__c is neither Closed nor Extra Hours';
  const start = instant(row.Start__c);
  const end = instant(row.End__c);
  if (start === null || end === null) return 'Start__c or End__c is missing';
  if (end <= start) return 'End__c is not after Start__c';
  return { kind, start, end };
}

function byWeekdayAndStart(a: WeeklyRule, b: WeeklyRule): number {
  return a.weekday - b.weekday || (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function wholeNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function money(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * A Time field ('09:00:00.000Z') as 'HH:MM'. Salesforce writes a Z, but a Time field has no zone:
 * it is a wall-clock time, read in the resource's own zone.
 */
function wallClock(value: unknown): string | null {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)/.exec(value) : null;
  return match ? `${match[1]}:${match[2]}` : null;
}

function isoDate(value: unknown): string | null {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
}

/** A Salesforce dateTime (`…+0000`, `…Z`) as epoch ms. */
function instant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : ms;
}

/** The zone's canonical IANA name, or null when the runtime does not know it. */
export function validTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value.trim() }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
