// A paid deposit's booking confirmed in place, as booking/service.ts place() confirms its own hold and
// waitlist/confirm.ts an offer's: re-verify in the org → upsert the appointment by its booking key
// (with Payment_Status__c and Payment_Reference__c) → confirmBooking. The seat held while the patient
// paid is never released and taken again in between. When the org cannot take it, the caller gives
// the money back (service.ts); the patient is told the truth either way.
import { confirmBooking, bookingById, type SeatRequest } from '../booking/holds.ts';
import {
  APPOINTMENT,
  appointmentFields,
  BOOKING_KEY_FIELD,
  cancellationFields,
  freeInOrg,
  matchOrCreatePatient,
  type Placement,
} from '../booking/org-records.ts';
import type { PatientDetails } from '../booking/patient.ts';
import type { Envelope } from '../crypto/envelope.ts';
import { enqueueWrite, type OutboxWrite } from '../outbox/outbox.ts';
import { mayHaveBeenApplied, SalesforceError, type OrgApi } from '../salesforce/org-api.ts';
import type { OrgSchedule, ScheduleSource } from '../schedule/types.ts';
import type { Store } from '../store/store.ts';
import { clearPatient, heldPatient, type DepositRow } from './store.ts';

export interface ConfirmDeps {
  store: () => Store;
  envelope: Envelope;
  orgApi: () => OrgApi;
  schedule: () => ScheduleSource;
  wakeOutbox(orgId: string): Promise<void>;
  now: () => Date;
  log: { warn(obj: object, msg: string): void };
}

const MINUTE = 60_000;
/** The hold while the org is asked (as booking's holdMs): longer than the gateway's worst case for the two calls. */
const CONFIRM_HOLD_MS = 3 * MINUTE;

/** Payment_Status__c as the org's picklist has it. */
export type PaymentStatus = 'Authorized' | 'Paid' | 'Refunded';

/**
 * Why a paid booking could not be confirmed: the org (or someone on the page, while the org was
 * slow) has the time; the org could not be reached or refused the write; the booking is gone.
 */
export type ConfirmFailure = 'taken' | 'org_unavailable' | 'org_rejected' | 'gone';

/** The fields that record a deposit on its appointment. */
export function paymentFields(status: PaymentStatus, transId: string): Record<string, unknown> {
  return { Payment_Status__c: status, Payment_Reference__c: transId };
}

/** Writes the appointment of a booking whose deposit was approved and confirms it. */
export async function confirmPaid(deps: ConfirmDeps, deposit: DepositRow): Promise<'confirmed' | ConfirmFailure> {
  const store = deps.store();
  const booking = await bookingById(store, deposit.booking_id);
  if (booking?.state === 'confirmed') return 'confirmed';
  const held = await heldPatient(store, deps.envelope, deposit.booking_id);
  // A booking whose hold ran out meanwhile ('failed') is confirmed still if its time is free.
  if (!booking || booking.state === 'cancelled' || !held || !deposit.trans_id) return 'gone';
  const orgId = deposit.org_id;
  const placement: Placement = {
    typeId: booking.type_id,
    resourceId: booking.resource_id,
    start: booking.start_at.getTime(),
    end: booking.end_at.getTime(),
  };
  const enqueue = async (write: OutboxWrite) => {
    await store.transaction((tx) => enqueueWrite(tx, deps.envelope, write));
    await deps.wakeOutbox(orgId).catch((error: unknown) => deps.log.warn({ orgId, err: error }, 'outbox wake failed'));
  };
  const cancelInOrg = () =>
    enqueue({
      orgId,
      sobject: APPOINTMENT,
      operation: 'upsert',
      externalIdField: BOOKING_KEY_FIELD,
      externalId: booking.booking_key,
      fields: cancellationFields(placement),
    });

  let schedule: OrgSchedule;
  let appointmentId: string;
  // Only a failed write can have left something behind in the org; a failed check cannot.
  let written = false;
  try {
    schedule = await deps.schedule().schedule(orgId);
    const types = [...schedule.types, ...schedule.staffOnlyTypes];
    const type = types.find((candidate) => candidate.id === booking.type_id);
    if (!type) return 'gone';
    if (!(await freeInOrg(deps.orgApi(), orgId, placement, booking.booking_key, types))) return 'taken';
    const fields = appointmentFields({
      ...placement,
      source: 'Public Page',
      bookingKey: booking.booking_key,
      timeZone: booking.time_zone,
      patient: held.patient,
      smsConsent: held.smsConsent,
      consentTextVersion: held.consentTextVersion,
      now: deps.now(),
    });
    written = true;
    ({ id: appointmentId } = await deps.orgApi().upsert(orgId, APPOINTMENT, BOOKING_KEY_FIELD, booking.booking_key, {
      ...fields,
      ...paymentFields(deposit.capture_at_booking ? 'Paid' : 'Authorized', deposit.trans_id),
    }));
    const seat: SeatRequest = {
      orgId,
      resourceId: placement.resourceId,
      typeId: placement.typeId,
      start: placement.start,
      end: placement.end,
      bufferedStart: placement.start - type.bufferBeforeMinutes * MINUTE,
      bufferedEnd: placement.end + type.bufferAfterMinutes * MINUTE,
      capacity: type.capacity,
      expiresAt: new Date(deps.now().getTime() + CONFIRM_HOLD_MS),
    };
    const confirmed = await confirmBooking(
      store,
      { id: booking.id, bookingKey: booking.booking_key, idempotencyKey: booking.idempotency_key },
      seat,
      appointmentId,
      deps.now(),
    );
    if (confirmed === 'taken') {
      deps.log.warn({ orgId }, 'deposit: the hold ran out while the org wrote the appointment; it is cancelled');
      await cancelInOrg();
      return 'taken';
    }
  } catch (error) {
    const code = error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR';
    deps.log.warn({ orgId, errorCode: code }, 'deposit booking: the org did not take it');
    // Salesforce may have created it before the answer was lost: make sure it ends cancelled.
    if (written && mayHaveBeenApplied(error)) await cancelInOrg();
    return error instanceof SalesforceError && !error.transient ? 'org_rejected' : 'org_unavailable';
  }
  await clearPatient(store, deposit.booking_id);
  // The booking stands whatever happens here: the patient record is a convenience for the clinic.
  await linkPatient(deps, schedule, appointmentId, held.patient, enqueue);
  return 'confirmed';
}

async function linkPatient(
  deps: ConfirmDeps,
  schedule: OrgSchedule,
  appointmentId: string,
  patient: PatientDetails,
  enqueue: (write: OutboxWrite) => Promise<void>,
): Promise<void> {
  const orgId = schedule.orgId;
  try {
    const link = await matchOrCreatePatient(deps.orgApi(), orgId, schedule.page.contactMatching, patient);
    if (link) {
      await enqueue({ orgId, sobject: APPOINTMENT, operation: 'update', recordId: appointmentId, fields: link });
    }
  } catch (error) {
    deps.log.warn(
      { orgId, errorCode: error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR' },
      'deposit booking: the patient record could not be matched or created',
    );
  }
}
