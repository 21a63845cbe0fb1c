// The booking service: what the public API and the booking page call. The order of a booking:
//   validate → the requested start must be a slot now (org schedule + synced appointments + the
//   service's own holds) → hold a seat (the store's exclusion constraint decides races) → ask the
//   org itself whether the time is still free → upsert the appointment by its booking key, while
//   the patient waits (they must be told the truth) → confirm → match or create the Contact/Lead.
// If the org cannot take it, the hold is released and the patient told so: never shown as booked
// when it is not. Personal data goes to the org only; the store keeps times, ids and keys.
import { randomBytes, randomUUID } from 'node:crypto';
import { pickResource } from '../availability/assign.ts';
import { groupByLocalDay, isValidTimeZone, localDayRange } from '../availability/display.ts';
import { computeSlots } from '../availability/engine.ts';
import type { BusyInterval, EpochMs, Slot } from '../availability/types.ts';
import type { Envelope } from '../crypto/envelope.ts';
import { enqueueWrite } from '../outbox/outbox.ts';
import { HttpProblem } from '../problem.ts';
import { sameId } from '../salesforce/ids.ts';
import { mayHaveBeenApplied, SalesforceError, type OrgApi } from '../salesforce/org-api.ts';
import type { OrgSchedule, PublicAppointmentType, ScheduleSource } from '../schedule/types.ts';
import type { Store, Transaction } from '../store/store.ts';
import { bookingProblem, SlotTakenProblem } from './errors.ts';
import {
  bookingById,
  bookingByIdempotencyKey,
  confirmBooking,
  confirmedLoad,
  failBooking,
  holdMove,
  holdNewBooking,
  recordChange,
  releaseSeats,
  sessionBusy,
  type BookingRow,
  type SeatRequest,
} from './holds.ts';
import { linkExpiry, signManageToken, verifyManageToken, type ManageClaims } from './manage-token.ts';
import {
  APPOINTMENT,
  appointmentFields,
  BOOKING_KEY_FIELD,
  cancellationFields,
  freeInOrg,
  matchOrCreatePatient,
  type BookingSource,
  type PatientLink,
  type Placement,
} from './org-records.ts';
import { validatePatient, validateStaffPatient, type PatientDetails } from './patient.ts';
import type {
  BookingInput,
  BookingResult,
  BookingService,
  BookingView,
  ManagePurpose,
  PublicOrg,
  SlotsQuery,
  SlotsResult,
  SlotView,
  StaffBooking,
  StaffBookingInput,
  StaffBookingService,
  StaffSlot,
  StaffSlotsQuery,
} from './types.ts';

export interface BookingServiceDeps {
  store: () => Store;
  envelope: Envelope;
  orgApi: () => OrgApi;
  schedule: () => ScheduleSource;
  /** Wakes the org's outbox delivery after a commit that queued writes. */
  wakeOutbox: (orgId: string) => Promise<void>;
  signingKey: () => Promise<Buffer>;
  now: () => Date;
  log: { warn(obj: object, msg: string): void };
  /**
   * How long a hold stands if the request dies while the org is asked. Longer than the gateway's
   * worst case for the two calls made under it (attempts × timeout), so a slow org does not lose a
   * hold it is about to confirm. Default 3 minutes.
   */
  holdMs?: number;
  /**
   * Whether a patient must pay this type's deposit before it is booked (deposits/, where payments
   * are configured): book() refuses it, and holdForPayment holds it while they pay.
   */
  paysDeposit?: (type: PublicAppointmentType) => boolean;
}

/** A booking held for its deposit: pending, its seat held, nothing written to the org yet. */
export interface PaymentHold {
  booking: BookingRow;
  /** This idempotency key had held (or booked) before: nothing new was held. */
  replayed: boolean;
  schedule: OrgSchedule;
  type: PublicAppointmentType;
  patient: PatientDetails;
}

/** What deposits/ asks of booking: the hold of place() without the write, for `holdMs`. */
export interface PaymentHolds {
  holdForPayment(slug: string, input: BookingInput, holdMs: number): Promise<PaymentHold>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
export const MAX_RANGE_DAYS = 31;
/** listSlots in the org API: staff look further at once, `to` at most 62 days after `from` (docs/org-api.yaml). */
export const MAX_STAFF_RANGE_DAYS = 63;
const NEAREST_COUNT = 6;

/** Every active type: public ones and those only staff book. */
function allTypes(schedule: OrgSchedule): PublicAppointmentType[] {
  return [...schedule.types, ...schedule.staffOnlyTypes];
}

export function createBookingService(deps: BookingServiceDeps): BookingService & StaffBookingService & PaymentHolds {
  const holdMs = deps.holdMs ?? 3 * MINUTE;
  /** "Any available": the resource each org's type last gave a booking to (round-robin among ties). */
  const lastAssigned = new Map<string, string>();

  async function orgFor(slug: string): Promise<OrgSchedule> {
    const orgId = await deps.schedule().orgIdForSlug(slug.toLowerCase());
    if (!orgId) {
      throw bookingProblem('unknown_page', 'We could not find this booking page', 'Please check the address.');
    }
    return deps.schedule().schedule(orgId);
  }

  function typeOf(schedule: OrgSchedule, typeId: string): PublicAppointmentType {
    const type = schedule.types.find((candidate) => candidate.id === typeId || candidate.slug === typeId);
    if (!type) {
      throw bookingProblem(
        'unknown_type',
        'This appointment type cannot be booked online',
        'Please choose one of the appointment types on the booking page.',
      );
    }
    return type;
  }

  function requireTimeZone(timeZone: string): void {
    if (!isValidTimeZone(timeZone)) {
      throw bookingProblem(
        'invalid_time_zone',
        'This time zone is not recognised',
        'Use a time zone name such as Europe/London.',
      );
    }
  }

  /**
   * Busy time on these resources: the org's appointments as sync last saw them, and the service's
   * own live sessions (which may not have reached the org or come back through sync yet). An
   * appointment whose booking key is in a session is that session: counted once. `except` leaves a
   * booking out (a reschedule does not collide with itself).
   */
  async function busyFor(
    orgId: string,
    schedule: OrgSchedule,
    resourceIds: readonly string[],
    from: EpochMs,
    to: EpochMs,
    except?: string,
  ): Promise<BusyInterval[]> {
    const [appointments, sessions] = await Promise.all([
      deps.schedule().appointmentBusy(orgId, resourceIds, from, to),
      sessionBusy(deps.store(), orgId, resourceIds, from, to, deps.now()),
    ]);
    const inSessions = new Set(sessions.flatMap((session) => session.bookingKeys));
    const busy: BusyInterval[] = [];
    for (const { bookingKey, ...interval } of appointments) {
      if (bookingKey !== null && (inSessions.has(bookingKey) || bookingKey === except)) continue;
      busy.push(interval);
    }
    for (const session of sessions) {
      const seats = session.seats - (except && session.bookingKeys.includes(except) ? 1 : 0);
      if (seats <= 0) continue;
      const capacity = allTypes(schedule).find((type) => type.id === session.typeId)?.capacity ?? 1;
      busy.push({
        resourceId: session.resourceId,
        start: session.bufferedStart,
        end: session.bufferedEnd,
        ...(capacity > 1 ? { session: { typeId: session.typeId, start: session.start, seats } } : {}),
      });
    }
    return busy;
  }

  async function slotsBetween(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    from: EpochMs,
    to: EpochMs,
    now: EpochMs,
    except?: string,
  ): Promise<Slot[]> {
    const resources = type.resourceIds.flatMap((id) => {
      const resource = schedule.resources.get(id);
      return resource ? [resource] : [];
    });
    // Busy time starting up to a day before `from` can still reach into it (buffers, long visits).
    const busy = await busyFor(
      schedule.orgId,
      schedule,
      resources.map((r) => r.id),
      from - DAY,
      to + DAY,
      except,
    );
    return computeSlots({ type, resources, busy, from, to, now });
  }

  /** The free slots nearest to `start` (it excluded), freshly computed, in start order. */
  async function nearest(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    start: EpochMs,
    timeZone: string,
    now: EpochMs,
    except?: string,
  ): Promise<SlotView[]> {
    // Around the asked time, or around now when it has passed.
    const center = Math.max(start, now);
    const slots = await slotsBetween(schedule, type, Math.max(now, center - 3 * DAY), center + 7 * DAY, now, except);
    const closest = slots
      .filter((slot) => slot.start !== start)
      .sort((a, b) => Math.abs(a.start - start) - Math.abs(b.start - start) || a.start - b.start)
      .slice(0, NEAREST_COUNT)
      .sort((a, b) => a.start - b.start);
    return groupByLocalDay(closest, timeZone).flatMap((day) => day.slots);
  }

  function parseStart(start: string): EpochMs {
    const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(start) ? Date.parse(start) : NaN;
    if (Number.isNaN(instant)) {
      throw bookingProblem('invalid_details', 'The chosen time is not valid', 'Please choose a time from the list.');
    }
    return instant;
  }

  /** The slot at `start` (on `resourceId` when given), or a 409 with the nearest free ones. */
  async function requireSlot(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    start: EpochMs,
    resourceId: string | undefined,
    timeZone: string,
    now: EpochMs,
    except?: string,
  ): Promise<Slot> {
    const [slot] = await slotsBetween(schedule, type, start, start + 1, now, except);
    if (slot && slot.start === start && (resourceId === undefined || slot.resourceIds.includes(resourceId))) {
      return slot;
    }
    throw new SlotTakenProblem('slot_unavailable', await nearest(schedule, type, start, timeZone, now, except));
  }

  /** The resources to try, in order: the one asked for, or all free ones by least load, round-robin. */
  async function candidatesFor(orgId: string, type: PublicAppointmentType, slot: Slot, resourceId?: string) {
    if (resourceId !== undefined) return [resourceId];
    const load = await confirmedLoad(deps.store(), orgId, slot.resourceIds, new Date(slot.start - 30 * DAY));
    const key = `${orgId}:${type.id}`;
    const order: string[] = [];
    let remaining = [...slot.resourceIds];
    let last = lastAssigned.get(key);
    while (remaining.length > 0) {
      const next = pickResource(remaining, load, last)!;
      order.push(next);
      last = next;
      remaining = remaining.filter((id) => id !== next);
    }
    return order;
  }

  function seatFor(
    orgId: string,
    type: PublicAppointmentType,
    placement: Placement,
    now: number,
    holdFor = holdMs,
  ): SeatRequest {
    return {
      orgId,
      resourceId: placement.resourceId,
      typeId: type.id,
      start: placement.start,
      end: placement.end,
      bufferedStart: placement.start - type.bufferBeforeMinutes * MINUTE,
      bufferedEnd: placement.end + type.bufferAfterMinutes * MINUTE,
      capacity: type.capacity,
      expiresAt: new Date(now + holdFor),
    };
  }

  /** The patient-facing answer to an org that could not take a write; logged without personal data. */
  function orgFailure(error: unknown, orgId: string, what: string): HttpProblem {
    const code = error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR';
    deps.log.warn({ orgId, errorCode: code }, `${what}: the org did not take it`);
    if (error instanceof SalesforceError && !error.transient) {
      return bookingProblem(
        'org_rejected',
        'The clinic’s system did not accept this booking',
        'Nothing was booked. Please call the clinic to book, or try another time.',
      );
    }
    return bookingProblem(
      'org_unavailable',
      'We cannot reach the clinic’s system right now',
      'Nothing was booked. Please try again in a few minutes.',
    );
  }

  /** Queues writes in one transaction and wakes the org's delivery once it commits. */
  async function enqueue(orgId: string, work: (tx: Transaction) => Promise<void>): Promise<void> {
    await deps.store().transaction(work);
    await deps.wakeOutbox(orgId).catch((error: unknown) => {
      // The periodic sweep delivers it anyway.
      deps.log.warn({ orgId, err: error }, 'outbox wake failed');
    });
  }

  async function view(row: BookingRow, schedule?: OrgSchedule): Promise<BookingView> {
    const org = schedule ?? (await deps.schedule().schedule(row.org_id));
    const type = allTypes(org).find((candidate) => candidate.id === row.type_id);
    const changeableUntil = row.start_at.getTime() - org.page.cancellationCutoffHours * 3600_000;
    const open = row.state === 'confirmed' && deps.now().getTime() < changeableUntil;
    return {
      bookingKey: row.booking_key,
      status: row.state === 'cancelled' ? 'cancelled' : 'confirmed',
      orgName: org.page.name,
      orgSlug: org.page.slug,
      type: { id: row.type_id, name: type?.name ?? '', durationMinutes: type?.durationMinutes ?? 0 },
      resourceName: org.resources.get(row.resource_id)?.name ?? '',
      start: row.start_at.toISOString(),
      end: row.end_at.toISOString(),
      timeZone: row.time_zone,
      changeableUntil: new Date(changeableUntil).toISOString(),
      canCancel: open,
      canReschedule: open,
    };
  }

  async function result(row: BookingRow, replayed: boolean, schedule?: OrgSchedule): Promise<BookingResult> {
    const key = await deps.signingKey();
    const expiresAt = linkExpiry(row.end_at.getTime(), deps.now().getTime());
    const token = (purpose: ManagePurpose) =>
      signManageToken(key, { bookingId: row.id, purpose, expiresAt, linkVersion: row.link_version });
    return {
      booking: await view(row, schedule),
      links: { cancelToken: token('cancel'), rescheduleToken: token('reschedule') },
      replayed,
    };
  }

  /** The booking a token points at, checked: genuine, not expired, not replaced by a reschedule. */
  async function fromToken(token: string): Promise<{ claims: ManageClaims; row: BookingRow }> {
    const claims = verifyManageToken(await deps.signingKey(), token);
    const expired = (detail: string) => bookingProblem('expired_token', 'This link has expired', detail);
    if (claims.expiresAt * 1000 <= deps.now().getTime()) {
      throw expired('Please contact the clinic to change your appointment.');
    }
    const row = await bookingById(deps.store(), claims.bookingId);
    if (!row || row.state === 'pending' || row.state === 'failed') {
      throw bookingProblem('invalid_token', 'This link is not valid', 'Please contact the clinic.');
    }
    if (row.link_version !== claims.linkVersion) {
      throw expired('The appointment was moved since this link was sent: please use the link from the latest message.');
    }
    return { claims, row };
  }

  function requirePurpose(claims: ManageClaims, purpose: ManagePurpose): void {
    if (claims.purpose !== purpose) {
      throw bookingProblem(
        'invalid_token',
        purpose === 'cancel' ? 'This link cannot cancel the appointment' : 'This link cannot move the appointment',
        'Please use the other link in your confirmation.',
      );
    }
  }

  function requireChangeable(row: BookingRow, schedule: OrgSchedule): void {
    if (row.state === 'cancelled') {
      throw bookingProblem('already_cancelled', 'This appointment is already cancelled');
    }
    const cutoffHours = schedule.page.cancellationCutoffHours;
    if (deps.now().getTime() >= row.start_at.getTime() - cutoffHours * 3600_000) {
      throw bookingProblem(
        'past_cutoff',
        'This appointment can no longer be changed online',
        `Changes are possible until ${cutoffHours} hours before the appointment. Please call the clinic.`,
      );
    }
  }

  /** The booking an idempotency key made before, if any (still in progress: a 409 to wait). */
  async function attempt(orgId: string, idempotencyKey: string): Promise<BookingRow | undefined> {
    const existing = await bookingByIdempotencyKey(deps.store(), orgId, idempotencyKey);
    if (existing?.state === 'pending') {
      throw bookingProblem(
        'idempotency_in_progress',
        'This booking is still being made',
        'Please wait a few seconds and look again.',
      );
    }
    return existing;
  }

  /** A type staff may book: any active one of the org, public or not (by record id, 15 or 18). */
  function staffTypeOf(schedule: OrgSchedule, typeId: string): PublicAppointmentType {
    const type = allTypes(schedule).find((candidate) => sameId(candidate.id, typeId));
    if (!type) {
      throw bookingProblem('unknown_type', 'There is no active appointment type with this id in the org');
    }
    return type;
  }

  /** The 18-character id of a resource that offers `type`. */
  function resourceOf(schedule: OrgSchedule, type: PublicAppointmentType, resourceId: string): string {
    const id = type.resourceIds.find((candidate) => sameId(candidate, resourceId));
    if (!id || !schedule.resources.has(id)) {
      throw new HttpProblem(404, 'unknown_resource', 'There is no active resource with this id offering this type');
    }
    return id;
  }

  function staffView(row: BookingRow): StaffBooking {
    return {
      bookingKey: row.booking_key,
      appointmentId: row.appointment_id!,
      start: row.start_at.toISOString(),
      end: row.end_at.toISOString(),
      resourceId: row.resource_id,
      status: row.state === 'cancelled' ? 'Cancelled' : 'Scheduled',
    };
  }

  /** What one booking needs, whoever makes it (the patient on the page, or staff in Salesforce). */
  interface Placing {
    schedule: OrgSchedule;
    type: PublicAppointmentType;
    start: EpochMs;
    /** A resource, or undefined for "any available". */
    resourceId: string | undefined;
    /** The zone the booking is shown in (and its nearest free times, when the time is taken). */
    timeZone: string;
    idempotencyKey: string;
    source: BookingSource;
    patient: PatientDetails;
    smsConsent: boolean;
    /** Staff picked the caller's Contact or Lead: the appointment links it, nothing is matched. */
    link?: PatientLink;
    /** Held this long for a deposit and not written to the org (deposits/confirm.ts writes it once paid). */
    payment?: { holdMs: number };
  }

  /**
   * The booking flow (see the top of this file): hold, re-verify in the org, upsert by booking key,
   * confirm, link the patient. An idempotency key that booked before returns that booking.
   */
  async function place(request: Placing): Promise<{ row: BookingRow; replayed: boolean }> {
    const { schedule, type, start, timeZone, patient } = request;
    const orgId = schedule.orgId;
    const earlier = await attempt(orgId, request.idempotencyKey);
    if (earlier) return { row: earlier, replayed: true };

    const now = deps.now().getTime();
    const slot = await requireSlot(schedule, type, start, request.resourceId, timeZone, now).catch(
      async (error: unknown) => {
        // A request with the same key that got there first has the time now: it is this booking.
        const raced = await attempt(orgId, request.idempotencyKey);
        if (raced) return raced;
        throw error;
      },
    );
    if ('org_id' in slot) return { row: slot, replayed: true };
    const bookingKey = `sw-${randomBytes(12).toString('base64url')}`;
    let held: { id: string; placement: Placement; seat: SeatRequest } | undefined;
    for (const resourceId of await candidatesFor(orgId, type, slot, request.resourceId)) {
      const placement = { typeId: type.id, resourceId, start: slot.start, end: slot.end };
      const id = randomUUID();
      const seat = seatFor(orgId, type, placement, now, request.payment?.holdMs);
      const outcome = await holdNewBooking(
        deps.store(),
        { id, orgId, bookingKey, idempotencyKey: request.idempotencyKey, timeZone, ...placement },
        seat,
        new Date(now),
      );
      if (outcome === 'held') {
        held = { id, placement, seat };
        break;
      }
      if (outcome === 'duplicate_idempotency_key') {
        return { row: (await attempt(orgId, request.idempotencyKey))!, replayed: true };
      }
    }
    const taken = async () => new SlotTakenProblem('slot_taken', await nearest(schedule, type, start, timeZone, now));
    if (!held) throw await taken();
    if (request.resourceId === undefined) lastAssigned.set(`${orgId}:${type.id}`, held.placement.resourceId);

    const cancelInOrg = () =>
      enqueue(orgId, async (tx) => {
        await enqueueWrite(tx, deps.envelope, {
          orgId,
          sobject: APPOINTMENT,
          operation: 'upsert',
          externalIdField: BOOKING_KEY_FIELD,
          externalId: bookingKey,
          fields: cancellationFields(held.placement),
        });
      });
    let appointmentId: string | undefined;
    // Only a failed write can have left something behind in the org; a failed check cannot.
    let written = false;
    try {
      if (!(await freeInOrg(deps.orgApi(), orgId, held.placement, bookingKey, allTypes(schedule)))) {
        await failBooking(deps.store(), held.id, deps.now());
        throw await taken();
      }
      // A deposit is paid first: the org was asked so nobody pays for a time it has, nothing is written.
      if (!request.payment) {
        const fields = appointmentFields({
          ...held.placement,
          source: request.source,
          bookingKey,
          timeZone,
          patient,
          smsConsent: request.smsConsent,
          consentTextVersion: schedule.page.consentTextVersion,
          now: deps.now(),
        });
        written = true;
        ({ id: appointmentId } = await deps
          .orgApi()
          .upsert(orgId, APPOINTMENT, BOOKING_KEY_FIELD, bookingKey, { ...fields, ...request.link }));
      }
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      await failBooking(deps.store(), held.id, deps.now());
      // Salesforce may have created it before the answer was lost: make sure it ends cancelled.
      if (written && mayHaveBeenApplied(error)) await cancelInOrg();
      throw orgFailure(error, orgId, 'booking');
    }
    if (appointmentId === undefined) return { row: (await bookingById(deps.store(), held.id))!, replayed: false };
    const confirmed = await confirmBooking(
      deps.store(),
      { id: held.id, bookingKey, idempotencyKey: request.idempotencyKey },
      held.seat,
      appointmentId,
      deps.now(),
    );
    if (confirmed === 'taken') {
      // The org took longer than the hold and someone else has the time now: the appointment the
      // org just created must not stand, and the booking is not confirmed.
      deps.log.warn({ orgId }, 'booking: the hold expired while the org wrote the appointment; it is cancelled');
      await failBooking(deps.store(), held.id, deps.now());
      await cancelInOrg();
      throw await taken();
    }

    // The booking stands whatever happens here: the patient record is a convenience for the clinic.
    if (!request.link) await linkPatient(orgId, schedule, appointmentId, patient);
    return { row: (await bookingById(deps.store(), held.id))!, replayed: false };
  }

  /** Matches or creates the patient's Contact/Lead per the page's setting and links the appointment. */
  async function linkPatient(
    orgId: string,
    schedule: OrgSchedule,
    appointmentId: string,
    patient: PatientDetails,
  ): Promise<void> {
    try {
      const link = await matchOrCreatePatient(deps.orgApi(), orgId, schedule.page.contactMatching, patient);
      if (link) {
        await enqueue(orgId, async (tx) => {
          await enqueueWrite(tx, deps.envelope, {
            orgId,
            sobject: APPOINTMENT,
            operation: 'update',
            recordId: appointmentId,
            fields: link,
          });
        });
      }
    } catch (error) {
      deps.log.warn(
        { orgId, errorCode: error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR' },
        'booking: the patient record could not be matched or created',
      );
    }
  }

  /** Free slots of `type` on the local days `from`..`to` (inclusive) in `timeZone`, checked. */
  async function slotsOnDays(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    query: { from: string; to: string; timeZone: string },
    maxDays: number,
  ): Promise<Slot[]> {
    requireTimeZone(query.timeZone);
    const invalidRange = (detail: string) => bookingProblem('invalid_range', 'These dates cannot be shown', detail);
    let range: { from: EpochMs; to: EpochMs };
    try {
      range = localDayRange(query.from, query.to, query.timeZone);
    } catch {
      throw invalidRange('Dates are YYYY-MM-DD, and the last day is not before the first.');
    }
    const days = Math.round((range.to - range.from) / DAY);
    if (days > maxDays) throw invalidRange(`Please ask for at most ${maxDays} days at a time.`);
    const now = deps.now().getTime();
    if (range.to <= now) {
      throw bookingProblem('outside_horizon', 'These dates have passed', 'Please choose today or a later day.');
    }
    if (range.from >= now + type.horizonDays * DAY) {
      throw bookingProblem(
        'outside_horizon',
        'These dates are too far ahead',
        `This appointment can be booked up to ${type.horizonDays} days ahead.`,
      );
    }
    return slotsBetween(schedule, type, range.from, range.to, now);
  }

  return {
    async org(slug: string): Promise<PublicOrg> {
      const schedule = await orgFor(slug);
      return {
        slug: schedule.page.slug,
        name: schedule.page.name,
        brandColor: schedule.page.brandColor,
        defaultTimeZone: schedule.page.defaultTimeZone,
        consentText: schedule.page.consentText,
        consentTextVersion: schedule.page.consentTextVersion,
        types: schedule.types.map((type) => ({
          id: type.id,
          name: type.name,
          description: type.description,
          durationMinutes: type.durationMinutes,
          price: type.price,
          deposit: type.deposit,
        })),
      };
    },

    async slots(slug: string, typeId: string, query: SlotsQuery): Promise<SlotsResult> {
      const schedule = await orgFor(slug);
      const type = typeOf(schedule, typeId);
      const slots = await slotsOnDays(schedule, type, query, MAX_RANGE_DAYS);
      return {
        typeId: type.id,
        timeZone: query.timeZone,
        from: query.from,
        to: query.to,
        days: groupByLocalDay(slots, query.timeZone),
      };
    },

    async book(slug: string, input: BookingInput): Promise<BookingResult> {
      const schedule = await orgFor(slug);
      const type = typeOf(schedule, input.typeId);
      if (deps.paysDeposit?.(type)) {
        throw new HttpProblem(
          409,
          'deposit_required',
          'This appointment asks for a deposit',
          'Please book it on the clinic’s booking page, where the deposit is paid by card.',
        );
      }
      requireTimeZone(input.timeZone);
      const patient = validatePatient(input);
      const { row, replayed } = await place({
        schedule,
        type,
        start: parseStart(input.start),
        resourceId: input.resourceId,
        timeZone: input.timeZone,
        idempotencyKey: input.idempotencyKey,
        source: 'Public Page',
        patient,
        smsConsent: input.smsConsent,
      });
      return result(row, replayed, schedule);
    },

    async holdForPayment(slug: string, input: BookingInput, holdMs: number): Promise<PaymentHold> {
      const schedule = await orgFor(slug);
      const type = typeOf(schedule, input.typeId);
      requireTimeZone(input.timeZone);
      const patient = validatePatient(input);
      // The details form sent again (a double click, a reload): the booking it held.
      const earlier = await bookingByIdempotencyKey(deps.store(), schedule.orgId, input.idempotencyKey);
      if (earlier) return { booking: earlier, replayed: true, schedule, type, patient };
      try {
        const { row, replayed } = await place({
          schedule,
          type,
          start: parseStart(input.start),
          resourceId: input.resourceId,
          timeZone: input.timeZone,
          idempotencyKey: input.idempotencyKey,
          source: 'Public Page',
          patient,
          smsConsent: input.smsConsent,
          payment: { holdMs },
        });
        return { booking: row, replayed, schedule, type, patient };
      } catch (error) {
        // The same form sent twice at once: the other request's hold (pending while it is paid for).
        if (!(error instanceof HttpProblem && error.code === 'idempotency_in_progress')) throw error;
        const held = await bookingByIdempotencyKey(deps.store(), schedule.orgId, input.idempotencyKey);
        if (!held) throw error;
        return { booking: held, replayed: true, schedule, type, patient };
      }
    },

    async get(token: string) {
      const { claims, row } = await fromToken(token);
      return { booking: await view(row), purpose: claims.purpose };
    },

    async cancel(token: string): Promise<BookingView> {
      const { claims, row } = await fromToken(token);
      requirePurpose(claims, 'cancel');
      const schedule = await deps.schedule().schedule(row.org_id);
      requireChangeable(row, schedule);
      let cancelled: BookingRow | undefined;
      await enqueue(row.org_id, async (tx) => {
        const current = await bookingById(tx, row.id, true);
        // A second cancel racing this one: it waited for the lock and sees the first one's work.
        if (current?.state !== 'confirmed') return;
        await releaseSeats(tx, row.id, 'all');
        [cancelled] = await tx.query<BookingRow>(
          `update booking set state = 'cancelled', updated_at = $2 where id = $1 returning *`,
          [row.id, deps.now()],
        );
        await recordChange(tx, row.id, 'cancelled', current, deps.now());
        await enqueueWrite(tx, deps.envelope, {
          orgId: row.org_id,
          sobject: APPOINTMENT,
          operation: 'upsert',
          externalIdField: BOOKING_KEY_FIELD,
          externalId: row.booking_key,
          fields: cancellationFields({
            typeId: current.type_id,
            resourceId: current.resource_id,
            start: current.start_at.getTime(),
            end: current.end_at.getTime(),
          }),
        });
      });
      if (!cancelled) throw bookingProblem('already_cancelled', 'This appointment is already cancelled');
      return view(cancelled, schedule);
    },

    async reschedule(token: string, change: { start: string; resourceId?: string }): Promise<BookingResult> {
      const { claims, row } = await fromToken(token);
      requirePurpose(claims, 'reschedule');
      const schedule = await deps.schedule().schedule(row.org_id);
      requireChangeable(row, schedule);
      const orgId = row.org_id;
      const type = typeOf(schedule, row.type_id);
      const start = parseStart(change.start);
      if (start === row.start_at.getTime() && (change.resourceId ?? row.resource_id) === row.resource_id) {
        // Already there (a repeated request): nothing to move, the same links stand.
        return result(row, true, schedule);
      }
      const now = deps.now().getTime();
      const slot = await requireSlot(schedule, type, start, change.resourceId, row.time_zone, now, row.booking_key);
      let held: Placement | undefined;
      for (const resourceId of await candidatesFor(orgId, type, slot, change.resourceId)) {
        const placement = { typeId: type.id, resourceId, start: slot.start, end: slot.end };
        const outcome = await holdMove(
          deps.store(),
          { id: row.id, bookingKey: row.booking_key },
          seatFor(orgId, type, placement, now),
          new Date(now),
        );
        if (outcome === 'held') {
          held = placement;
          break;
        }
      }
      const fresh = () => nearest(schedule, type, start, row.time_zone, now, row.booking_key);
      if (!held) throw new SlotTakenProblem('slot_taken', await fresh());

      const releaseMove = () => deps.store().transaction((tx) => releaseSeats(tx, row.id, 'held'));
      let written = false;
      try {
        if (!(await freeInOrg(deps.orgApi(), orgId, held, row.booking_key, allTypes(schedule)))) {
          await releaseMove();
          throw new SlotTakenProblem('slot_taken', await fresh());
        }
        written = true;
        await deps.orgApi().upsert(orgId, APPOINTMENT, BOOKING_KEY_FIELD, row.booking_key, {
          Start__c: new Date(held.start).toISOString(),
          End__c: new Date(held.end).toISOString(),
          Resource__c: held.resourceId,
        });
      } catch (error) {
        if (error instanceof HttpProblem) throw error;
        await releaseMove();
        if (written && mayHaveBeenApplied(error)) {
          // The org may have moved it: put it back where the service still has it.
          await enqueue(orgId, async (tx) => {
            await enqueueWrite(tx, deps.envelope, {
              orgId,
              sobject: APPOINTMENT,
              operation: 'upsert',
              externalIdField: BOOKING_KEY_FIELD,
              externalId: row.booking_key,
              fields: {
                Start__c: row.start_at.toISOString(),
                End__c: row.end_at.toISOString(),
                Resource__c: row.resource_id,
              },
            });
          });
        }
        throw orgFailure(error, orgId, 'reschedule');
      }
      const moved = await deps.store().transaction(async (tx) => {
        await releaseSeats(tx, row.id, 'confirmed');
        await tx.query(`update booking_seat set state = 'confirmed', expires_at = null where booking_id = $1`, [
          row.id,
        ]);
        const [updated] = await tx.query<BookingRow>(
          `update booking set resource_id = $2, start_at = $3, end_at = $4, link_version = link_version + 1,
             updated_at = $5 where id = $1 returning *`,
          [row.id, held.resourceId, new Date(held.start), new Date(held.end), deps.now()],
        );
        await recordChange(tx, row.id, 'rescheduled', updated!, deps.now());
        return updated!;
      });
      return result(moved, false, schedule);
    },
    async staffSlots(orgId: string, query: StaffSlotsQuery): Promise<StaffSlot[]> {
      const schedule = await deps.schedule().schedule(orgId);
      const type = staffTypeOf(schedule, query.typeId);
      const resourceId = query.resourceId === undefined ? undefined : resourceOf(schedule, type, query.resourceId);
      const slots = await slotsOnDays(schedule, type, query, MAX_STAFF_RANGE_DAYS);
      return slots.flatMap((slot) =>
        slot.resourceIds
          .filter((id) => resourceId === undefined || id === resourceId)
          .map((id) => ({
            start: new Date(slot.start).toISOString(),
            end: new Date(slot.end).toISOString(),
            resourceId: id,
          })),
      );
    },

    async staffBook(orgId: string, input: StaffBookingInput) {
      const schedule = await deps.schedule().schedule(orgId);
      const type = staffTypeOf(schedule, input.typeId);
      const resourceId = input.resourceId === undefined ? undefined : resourceOf(schedule, type, input.resourceId);
      const patient = validateStaffPatient(input.patient, input.smsConsent);
      const start = parseStart(input.start);
      const { row, replayed } = await place({
        schedule,
        type,
        start,
        resourceId,
        timeZone: schedule.page.defaultTimeZone,
        idempotencyKey: input.idempotencyKey,
        source: 'Staff',
        patient,
        smsConsent: input.smsConsent,
        ...(input.contactId
          ? { link: { Contact__c: input.contactId } }
          : input.leadId
            ? { link: { Lead__c: input.leadId } }
            : {}),
      });
      // A repeat must be the same request: the key of another booking is not a way to look one up.
      if (
        replayed &&
        (row.type_id !== type.id ||
          row.start_at.getTime() !== start ||
          (resourceId !== undefined && row.resource_id !== resourceId))
      ) {
        throw new HttpProblem(
          409,
          'idempotency_key_reused',
          'This idempotency key was used for another booking',
          'Make a new key for each booking attempt and reuse it only to retry the same request.',
        );
      }
      return { booking: staffView(row), replayed };
    },
  };
}
