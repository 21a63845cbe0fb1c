// What booking reads from and writes to the org: the last-moment check that the time is still
// free there, the appointment itself (upserted by its booking key, so a retry never books twice),
// and the patient's Contact or Lead.
import type { EpochMs } from '../availability/types.ts';
import type { OrgApi, SalesforceRecord } from '../salesforce/org-api.ts';
import { soql, soqlIdentifier } from '../salesforce/soql.ts';
import type { ContactMatching, PublicAppointmentType } from '../schedule/types.ts';
import type { PatientDetails } from './patient.ts';

export const APPOINTMENT = 'Slotwise_Appointment__c';
export const BOOKING_KEY_FIELD = 'Booking_Key__c';

export interface Placement {
  typeId: string;
  resourceId: string;
  start: EpochMs;
  end: EpochMs;
}

/**
 * Whether the org has no other live appointment on the resource that collides with this one.
 * Sync may not have seen an appointment staff made a minute ago: one SOQL query asks the org
 * itself. Each appointment found is widened by its own type's buffers; appointments of the same
 * class session (same type and start) only collide once the class is full.
 */
export async function freeInOrg(
  orgApi: OrgApi,
  orgId: string,
  placement: Placement,
  bookingKey: string,
  types: readonly PublicAppointmentType[],
): Promise<boolean> {
  const type = types.find((candidate) => candidate.id === placement.typeId);
  if (!type) return false;
  const minute = 60_000;
  const widest = Math.max(0, ...types.map((t) => Math.max(t.bufferBeforeMinutes, t.bufferAfterMinutes))) * minute;
  const from = placement.start - type.bufferBeforeMinutes * minute;
  const to = placement.end + type.bufferAfterMinutes * minute;
  const rows = await orgApi.query<
    SalesforceRecord & { Booking_Key__c: string | null; Appointment_Type__c: string; Start__c: string; End__c: string }
  >(
    orgId,
    soql`SELECT Id, Booking_Key__c, Appointment_Type__c, Start__c, End__c FROM Slotwise_Appointment__c
          WHERE Resource__c = ${placement.resourceId} AND Status__c != 'Cancelled'
            AND Start__c < ${new Date(to + widest)} AND End__c > ${new Date(from - widest)}`,
  );
  let sameSession = 0;
  for (const row of rows) {
    if (row.Booking_Key__c === bookingKey) continue;
    const start = Date.parse(row.Start__c);
    if (row.Appointment_Type__c === type.id && start === placement.start && type.capacity > 1) {
      sameSession += 1;
      continue;
    }
    const theirs = types.find((candidate) => candidate.id === row.Appointment_Type__c);
    const theirFrom = start - (theirs?.bufferBeforeMinutes ?? 0) * minute;
    const theirTo = Date.parse(row.End__c) + (theirs?.bufferAfterMinutes ?? 0) * minute;
    if (theirFrom < to && theirTo > from) return false;
  }
  return sameSession < type.capacity;
}

/** Source__c: who booked (a restricted picklist in the org). */
export type BookingSource = 'Public Page' | 'Staff';

/** The appointment's Contact or Lead: a lookup field and its record id. */
export type PatientLink = { Contact__c: string } | { Lead__c: string };

export interface NewAppointment extends Placement {
  source: BookingSource;
  bookingKey: string;
  timeZone: string;
  patient: PatientDetails;
  smsConsent: boolean;
  consentTextVersion: string;
  now: Date;
}

export function appointmentFields(appointment: NewAppointment): Record<string, unknown> {
  return {
    Appointment_Type__c: appointment.typeId,
    Resource__c: appointment.resourceId,
    Start__c: new Date(appointment.start).toISOString(),
    End__c: new Date(appointment.end).toISOString(),
    Status__c: 'Scheduled',
    Source__c: appointment.source,
    Time_Zone__c: appointment.timeZone,
    Patient_Name__c: appointment.patient.name,
    Patient_Phone__c: appointment.patient.phone ?? null,
    Patient_Email__c: appointment.patient.email ?? null,
    SMS_Consent__c: appointment.smsConsent,
    SMS_Consent_At__c: appointment.smsConsent ? appointment.now.toISOString() : null,
    Consent_Text_Version__c: appointment.smsConsent ? appointment.consentTextVersion : null,
  };
}

/**
 * The fields that cancel an appointment by its booking key, without personal data. They carry the
 * required fields too: sent after an ambiguous failure (Salesforce may or may not have created the
 * record), the upsert then either cancels the record or leaves a cancelled one, never a live one.
 */
export function cancellationFields(placement: Placement): Record<string, unknown> {
  return {
    Appointment_Type__c: placement.typeId,
    Resource__c: placement.resourceId,
    Start__c: new Date(placement.start).toISOString(),
    End__c: new Date(placement.end).toISOString(),
    Status__c: 'Cancelled',
  };
}

/** 'Ana María de la Cruz' → { FirstName: 'Ana María de la', LastName: 'Cruz' }. */
function nameFields(name: string): { FirstName?: string; LastName: string } {
  const words = name.split(' ');
  if (words.length === 1) return { LastName: name.slice(0, 80) };
  return { FirstName: words.slice(0, -1).join(' ').slice(0, 40), LastName: words.at(-1)!.slice(0, 80) };
}

/**
 * The patient's Contact or Lead per the page's setting: the first one with this e-mail or mobile,
 * else a new one (unless 'match-only'). Returns the field to link the appointment with.
 */
export async function matchOrCreatePatient(
  orgApi: OrgApi,
  orgId: string,
  matching: ContactMatching,
  patient: PatientDetails,
): Promise<PatientLink | undefined> {
  const contacts = await orgApi.query(orgId, findPerson('Contact', patient));
  if (contacts[0]) return { Contact__c: contacts[0].Id };
  if (matching === 'match-or-create-contact') {
    const id = await orgApi.create(orgId, 'Contact', personFields(patient));
    return { Contact__c: id };
  }
  const leads = await orgApi.query(orgId, findPerson('Lead', patient));
  if (leads[0]) return { Lead__c: leads[0].Id };
  if (matching === 'match-or-create-lead') {
    const id = await orgApi.create(orgId, 'Lead', { ...personFields(patient), Company: 'Self' });
    return { Lead__c: id };
  }
  return undefined;
}

/** The oldest Contact or Lead with the patient's mobile (E.164) or e-mail (at least one is given). */
function findPerson(object: 'Contact' | 'Lead', patient: PatientDetails): string {
  const from = soqlIdentifier(object);
  if (patient.phone === undefined) {
    return soql`SELECT Id FROM ${from} WHERE Email = ${patient.email ?? ''} ORDER BY CreatedDate LIMIT 1`;
  }
  return patient.email
    ? soql`SELECT Id FROM ${from} WHERE MobilePhone = ${patient.phone} OR Phone = ${patient.phone}
            OR Email = ${patient.email} ORDER BY CreatedDate LIMIT 1`
    : soql`SELECT Id FROM ${from} WHERE MobilePhone = ${patient.phone} OR Phone = ${patient.phone}
            ORDER BY CreatedDate LIMIT 1`;
}

function personFields(patient: PatientDetails): Record<string, unknown> {
  return {
    ...nameFields(patient.name),
    ...(patient.phone ? { MobilePhone: patient.phone } : {}),
    ...(patient.email ? { Email: patient.email } : {}),
  };
}
