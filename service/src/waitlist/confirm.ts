// Taking a waitlist offer: the booking held for it is confirmed in place, as booking/service.ts
// place() confirms its own hold (re-verify in the org → upsert the appointment by its booking key →
// confirmBooking), so the slot is never released and taken again in between. While the org is
// asked the offer is 'confirming' and its hold extended, so neither its expiry nor the next in line
// can take the time from under the patient. If the org cannot take it, the hold is released, the
// patient is told the truth and keeps their place in line.
import { bookingProblem } from '../booking/errors.ts';
import { bookingById, confirmBooking, type SeatRequest } from '../booking/holds.ts';
import {
  APPOINTMENT,
  appointmentFields,
  BOOKING_KEY_FIELD,
  cancellationFields,
  freeInOrg,
  matchOrCreatePatient,
  type Placement,
} from '../booking/org-records.ts';
import type { Envelope } from '../crypto/envelope.ts';
import { enqueueWrite, type OutboxWrite } from '../outbox/outbox.ts';
import { HttpProblem } from '../problem.ts';
import { mayHaveBeenApplied, SalesforceError, type OrgApi } from '../salesforce/org-api.ts';
import type { OrgSchedule, PublicAppointmentType, ScheduleSource } from '../schedule/types.ts';
import type { Store } from '../store/store.ts';
import { closeEntry, entryById, entryContact } from './entries.ts';
import { waitlistProblem } from './errors.ts';
import { abandonOffer, offerByBooking, setState, type OfferRow } from './offers.ts';

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
/** The hold while the org is asked: longer than the gateway's worst case for the two calls (as booking's holdMs). */
export const CONFIRM_HOLD_MS = 3 * MINUTE;

export function offerExpired(): HttpProblem {
  return waitlistProblem(
    'offer_expired',
    'This offer has expired',
    'The time was held for a limited time and may now have been offered to the next person on the waitlist.',
  );
}

/**
 * Books the offer's held slot for the entry's patient. `replayed`: it was booked already (a second
 * click), nothing new was done.
 */
export async function confirmOffer(deps: ConfirmDeps, bookingId: string): Promise<{ replayed: boolean }> {
  const store = deps.store();
  const offer = await beginConfirm(store, bookingId, deps.now());
  if (offer === 'booked') return { replayed: true };
  const orgId = offer.org_id;
  const now = () => deps.now();
  const lose = (reason: string) => abandonOffer(store, offer.id, { state: 'lost', reason, entry: 'waiting' }, now());
  const placement: Placement = {
    typeId: offer.type_id,
    resourceId: offer.resource_id,
    start: offer.start_at.getTime(),
    end: offer.end_at.getTime(),
  };
  const enqueue = async (write: OutboxWrite) => {
    await store.transaction((tx) => enqueueWrite(tx, deps.envelope, write));
    await deps.wakeOutbox(orgId).catch((error: unknown) => deps.log.warn({ orgId, err: error }, 'outbox wake failed'));
  };
  const booking = (await bookingById(store, bookingId))!;
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
  let type: PublicAppointmentType | undefined;
  let contact: { name: string; phone: string } | undefined;
  let appointmentId: string;
  // Only a failed write can have left something behind in the org; a failed check cannot.
  let written = false;
  try {
    schedule = await deps.schedule().schedule(orgId);
    type = [...schedule.types, ...schedule.staffOnlyTypes].find((candidate) => candidate.id === offer.type_id);
    const entry = await entryById(store, offer.entry_id);
    contact = await entryContact(store, deps.envelope, offer.entry_id);
    if (!type || !entry || !contact) {
      await lose('type_or_entry_gone');
      throw offerExpired();
    }
    const types = [...schedule.types, ...schedule.staffOnlyTypes];
    if (!(await freeInOrg(deps.orgApi(), orgId, placement, booking.booking_key, types))) {
      await lose('taken_in_org');
      throw waitlistProblem(
        'offer_taken',
        'Sorry, this time has just been taken',
        'The clinic’s own calendar has it now. You stay on the waitlist with your place kept.',
      );
    }
    const fields = appointmentFields({
      ...placement,
      source: 'Public Page',
      bookingKey: booking.booking_key,
      timeZone: entry.time_zone,
      patient: { name: contact.name, phone: contact.phone, email: undefined },
      // Joining the waitlist needed the patient's agreement to texts, with this wording's version.
      smsConsent: true,
      consentTextVersion: entry.consent_text_version,
      now: now(),
    });
    written = true;
    ({ id: appointmentId } = await deps
      .orgApi()
      .upsert(orgId, APPOINTMENT, BOOKING_KEY_FIELD, booking.booking_key, fields));
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    await lose('org_failure');
    // Salesforce may have created it before the answer was lost: make sure it ends cancelled.
    if (written && mayHaveBeenApplied(error)) await cancelInOrg();
    throw orgFailure(deps, error, orgId);
  }

  const confirmed = await confirmBooking(
    store,
    { id: bookingId, bookingKey: booking.booking_key, idempotencyKey: booking.idempotency_key },
    seatOf(offer, type, now()),
    appointmentId,
    now(),
  );
  if (confirmed === 'taken') {
    deps.log.warn({ orgId, offerId: offer.id }, 'waitlist: the hold ran out while the org wrote the appointment');
    await lose('hold_ran_out');
    await cancelInOrg();
    throw waitlistProblem(
      'offer_taken',
      'Sorry, this time has just been taken',
      'It took too long to reach the clinic’s system. You stay on the waitlist with your place kept.',
    );
  }
  await store.transaction(async (tx) => {
    await setState(tx, offer.id, 'booked', null, now());
    await closeEntry(tx, offer.entry_id, 'booked', now());
  });
  // The booking stands whatever happens here: the patient record is a convenience for the clinic.
  await linkPatient(deps, schedule, appointmentId, contact, enqueue);
  return { replayed: false };
}

/**
 * Marks the offer 'confirming' and extends its hold, or says why it cannot be taken: 'booked' for
 * one already taken (the caller answers as before), a 409 for a confirmation under way, a 410 for
 * one that ran out or ended. The hold is checked in the same transaction: no seat, no booking.
 */
async function beginConfirm(store: Store, bookingId: string, now: Date): Promise<OfferRow | 'booked'> {
  return store.transaction(async (tx) => {
    const offer = await offerByBooking(tx, bookingId, true);
    if (!offer) throw bookingProblem('invalid_token', 'This link is not valid', 'Please contact the clinic.');
    if (offer.state === 'booked') return 'booked';
    if (offer.state === 'confirming') {
      throw waitlistProblem(
        'offer_in_progress',
        'Your booking is being made',
        'Please wait a few seconds, then open the link again.',
      );
    }
    if ((offer.state !== 'holding' && offer.state !== 'offered') || offer.expires_at <= now) throw offerExpired();
    const held = await tx.query(
      `update booking_seat set expires_at = greatest(expires_at, $2)
        where booking_id = $1 and state = 'held' and expires_at > $3 returning seat`,
      [bookingId, new Date(now.getTime() + CONFIRM_HOLD_MS), now],
    );
    if (held.length === 0) throw offerExpired();
    await setState(tx, offer.id, 'confirming', null, now);
    return offer;
  });
}

/** The seat confirmBooking takes again if the hold was lost to a slow org (booking's seatFor). */
function seatOf(offer: OfferRow, type: PublicAppointmentType, now: Date): SeatRequest {
  const start = offer.start_at.getTime();
  const end = offer.end_at.getTime();
  return {
    orgId: offer.org_id,
    resourceId: offer.resource_id,
    typeId: offer.type_id,
    start,
    end,
    bufferedStart: start - type.bufferBeforeMinutes * MINUTE,
    bufferedEnd: end + type.bufferAfterMinutes * MINUTE,
    capacity: type.capacity,
    expiresAt: new Date(now.getTime() + CONFIRM_HOLD_MS),
  };
}

async function linkPatient(
  deps: ConfirmDeps,
  schedule: OrgSchedule,
  appointmentId: string,
  contact: { name: string; phone: string },
  enqueue: (write: OutboxWrite) => Promise<void>,
): Promise<void> {
  const orgId = schedule.orgId;
  try {
    const link = await matchOrCreatePatient(deps.orgApi(), orgId, schedule.page.contactMatching, {
      ...contact,
      email: undefined,
    });
    if (link)
      await enqueue({ orgId, sobject: APPOINTMENT, operation: 'update', recordId: appointmentId, fields: link });
  } catch (error) {
    deps.log.warn(
      { orgId, errorCode: error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR' },
      'waitlist: the patient record could not be matched or created',
    );
  }
}

function orgFailure(deps: ConfirmDeps, error: unknown, orgId: string): HttpProblem {
  const code = error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR';
  deps.log.warn({ orgId, errorCode: code }, 'waitlist booking: the org did not take it');
  const detail = 'Nothing was booked and the time is no longer held. You stay on the waitlist with your place kept.';
  if (error instanceof SalesforceError && !error.transient) {
    return bookingProblem('org_rejected', 'The clinic’s system did not accept this booking', detail);
  }
  return bookingProblem('org_unavailable', 'We cannot reach the clinic’s system right now', detail);
}
