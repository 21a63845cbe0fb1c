// The waitlist: a patient joins it for a full day of an appointment type; when a slot on that day
// frees (sync reports an appointment cancelled or moved away), the first in line is texted a link
// to the slot, held for them for a while (WAITLIST_OFFER_MINUTES); if they do not take it, the hold
// is released and the next in line is offered it. What plugins/waitlist.ts and the routes call.
//
// The pass that offers slots runs per (org, type) as a job (one at a time, plugins/waitlist.ts);
// the store decides races anyway: an entry is claimed by one conditional update, a slot by the
// booking hold's exclusion constraint, so two passes at once never make two offers of one slot or
// two offers to one patient.
import { randomBytes, randomUUID } from 'node:crypto';
import { groupByLocalDay, isValidTimeZone, localDayRange } from '../availability/display.ts';
import { computeSlots } from '../availability/engine.ts';
import { bookingProblem } from '../booking/errors.ts';
import { bookingById, holdNewBooking, type SeatRequest } from '../booking/holds.ts';
import { linkExpiry, signManageToken, signWaitlistToken, verifyWaitlistToken } from '../booking/manage-token.ts';
import { validatePatient } from '../booking/patient.ts';
import type { BookingService, ManageLinks, StaffBookingService, StaffSlot } from '../booking/types.ts';
import { HttpProblem } from '../problem.ts';
import { quietPeriodAt } from '../reminders/quiet-hours.ts';
import type { QuietHours } from '../reminders/types.ts';
import type { OrgSchedule, PublicAppointmentType } from '../schedule/types.ts';
import type { ReplyOutcome } from '../sms/replies.ts';
import { recipientHash } from '../sms/recipient.ts';
import type { SyncEvent } from '../sync/events.ts';
import { confirmOffer, offerExpired, type ConfirmDeps } from './confirm.ts';
import {
  addEntry,
  closePastEntries,
  entryById,
  entryContact,
  typesWaiting,
  waitingLine,
  type EntryRow,
  type EntryState,
} from './entries.ts';
import { waitlistProblem } from './errors.ts';
import { offerText } from './messages.ts';
import {
  abandonOffer,
  claimEntry,
  declineOffer,
  isLive,
  markSent,
  offerByBooking,
  overdueOffers,
  settleOffer,
  type OfferRow,
} from './offers.ts';

export interface WaitlistDeps extends ConfirmDeps {
  /** Free slots as the booking page shows them (joining needs a full day) and per resource (what is offered). */
  booking: () => Pick<BookingService, 'slots'> & Pick<StaffBookingService, 'staffSlots'>;
  /** Sends one text through sms/replies.ts sendReply (kind 'waitlist_offer'). */
  sendText(text: { orgId: string; to: string; recipientHash: string; body: string }): Promise<ReplyOutcome>;
  recipientKey: () => Promise<Buffer>;
  signingKey: () => Promise<Buffer>;
  /** Runs `settle(offerId)` at `at` (a durable job). */
  scheduleExpiry(offerId: number, at: Date): Promise<void>;
  /** Asks for a pass over the type's line, now or `delayMs` from now (a durable job, one at a time per org and type). */
  requestPass(orgId: string, typeId: string, delayMs?: number): Promise<void>;
  /** The org's quiet hours (the booking page's, never narrower than the service's): no offer is texted in them. */
  quietHours(orgId: string): Promise<QuietHours>;
  /** Where the offer link points: the configured public URL. */
  publicUrl: URL;
  /** How long a slot is held for the patient it is offered to. */
  offerMs: number;
  /**
   * Whether booking this type takes a deposit first (deposits/, where payments are configured). The
   * waitlist books an offered slot in one click, with no payment step: such types have no waitlist.
   */
  paysDeposit?: (type: PublicAppointmentType) => boolean;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface JoinInput {
  /** An appointment type id or slug, as the booking API takes it. */
  typeId: string;
  /** 'YYYY-MM-DD' in timeZone. */
  date: string;
  timeZone: string;
  name: string;
  phone: string;
  smsConsent: boolean;
  /** BCP 47: the phone number's default country comes from its region. */
  locale: string;
}

export interface JoinResult {
  entry: { typeId: string; date: string; timeZone: string; state: EntryState; position: number };
  /** The number was on the waitlist for this day already: nothing new was added. */
  replayed: boolean;
}

/** What the offer page shows. */
export interface OfferView {
  /** 'open': it can be taken now; 'booked': it was (the links are the booking's). */
  state: 'open' | 'booked';
  orgName: string;
  orgSlug: string;
  typeName: string;
  resourceName: string;
  start: string;
  end: string;
  timeZone: string;
  expiresAt: string;
  links?: ManageLinks;
}

export interface PassResult {
  offered: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/**
 * A sync tick publishes its events before it stores its appointment snapshots (the busy time slots
 * are computed from): a pass this long after the event sees the freed time as free.
 */
export const AFTER_SYNC_MS = 5_000;

export type WaitlistService = ReturnType<typeof createWaitlistService>;

export function createWaitlistService(deps: WaitlistDeps) {
  const store = () => deps.store();

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

  /** The local days from..to in timeZone on which the type has any working time at all, busy or not. */
  function workingDaysOf(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    from: string,
    to: string,
    timeZone: string,
  ): Set<string> {
    const range = localDayRange(from, to, timeZone);
    const resources = type.resourceIds.flatMap((id) => schedule.resources.get(id) ?? []);
    const slots = computeSlots({
      type,
      resources,
      busy: [],
      from: range.from,
      to: range.to,
      now: deps.now().getTime(),
    });
    return new Set(groupByLocalDay(slots, timeZone).map((day) => day.date));
  }

  /** The offer a link names, checked: genuine, not past its time. */
  async function fromToken(token: string): Promise<OfferRow> {
    const claims = verifyWaitlistToken(await deps.signingKey(), token);
    if (claims.expiresAt * 1000 <= deps.now().getTime()) throw offerExpired();
    const offer = await offerByBooking(store(), claims.bookingId);
    if (!offer) throw bookingProblem('invalid_token', 'This link is not valid', 'Please contact the clinic.');
    return offer;
  }

  async function manageLinks(bookingId: string): Promise<ManageLinks> {
    const row = (await bookingById(store(), bookingId))!;
    const key = await deps.signingKey();
    const expiresAt = linkExpiry(row.end_at.getTime(), deps.now().getTime());
    const token = (purpose: 'cancel' | 'reschedule') =>
      signManageToken(key, { bookingId: row.id, purpose, expiresAt, linkVersion: row.link_version });
    return { cancelToken: token('cancel'), rescheduleToken: token('reschedule') };
  }

  /** Free starts of the type on the entry's day, per resource, as booking would offer them now. */
  async function freeSlotsOn(orgId: string, typeId: string, entry: EntryRow): Promise<StaffSlot[]> {
    try {
      const slots = await deps
        .booking()
        .staffSlots(orgId, { typeId, from: entry.day, to: entry.day, timeZone: entry.time_zone });
      return slots.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    } catch (error) {
      // The day has passed or left the horizon meanwhile: nothing to offer.
      if (error instanceof HttpProblem && error.status < 500) return [];
      throw error;
    }
  }

  type SlotOutcome = 'offered' | 'taken' | 'next_entry' | 'stop';

  /** Claims the entry, holds the slot, texts the link; what the pass does next depends on the answer. */
  async function offerSlot(
    schedule: OrgSchedule,
    type: PublicAppointmentType,
    entry: EntryRow,
    slot: StaffSlot,
  ): Promise<SlotOutcome> {
    const orgId = schedule.orgId;
    const now = deps.now();
    const start = Date.parse(slot.start);
    const end = Date.parse(slot.end);
    // Never held past the slot's own start.
    const expiresAt = new Date(Math.min(now.getTime() + deps.offerMs, start));
    const bookingId = randomUUID();
    const offerId = await claimEntry(
      store(),
      {
        entryId: entry.id,
        orgId,
        typeId: type.id,
        resourceId: slot.resourceId,
        start: new Date(start),
        end: new Date(end),
        bookingId,
        expiresAt,
      },
      now,
    );
    if (offerId === undefined) return 'next_entry';
    // Scheduled before anything else: whatever happens to this instance now, the offer ends on time.
    await deps.scheduleExpiry(offerId, expiresAt);
    const abandon = (outcome: Parameters<typeof abandonOffer>[2]) =>
      abandonOffer(store(), offerId, outcome, deps.now());

    const seat: SeatRequest = {
      orgId,
      resourceId: slot.resourceId,
      typeId: type.id,
      start,
      end,
      bufferedStart: start - type.bufferBeforeMinutes * MINUTE,
      bufferedEnd: end + type.bufferAfterMinutes * MINUTE,
      capacity: type.capacity,
      expiresAt,
    };
    const held = await holdNewBooking(
      store(),
      {
        id: bookingId,
        orgId,
        bookingKey: `sw-${randomBytes(12).toString('base64url')}`,
        idempotencyKey: `waitlist-offer-${offerId}`,
        typeId: type.id,
        resourceId: slot.resourceId,
        start,
        end,
        timeZone: entry.time_zone,
      },
      seat,
      now,
    );
    if (held !== 'held') {
      await abandon({ state: 'lost', reason: 'taken', entry: 'waiting' });
      return 'taken';
    }

    const contact = await entryContact(store(), deps.envelope, entry.id);
    if (!contact) {
      await abandon({ state: 'unsent', reason: 'entry_closed', entry: 'left' });
      return 'next_entry';
    }
    const token = signWaitlistToken(await deps.signingKey(), {
      bookingId,
      expiresAt: Math.floor(expiresAt.getTime() / 1000),
    });
    const body = offerText({
      name: contact.name,
      orgName: schedule.page.name,
      typeName: type.name,
      start: new Date(start),
      timeZone: entry.time_zone,
      minutes: Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / MINUTE)),
      link: new URL(`/waitlist/offer?token=${token}`, deps.publicUrl).toString(),
    });
    let outcome: ReplyOutcome;
    try {
      outcome = await deps.sendText({ orgId, to: contact.phone, recipientHash: entry.recipient_hash, body });
    } catch (error) {
      await abandon({ state: 'unsent', reason: 'error', entry: 'waiting' });
      throw error;
    }
    const log = { orgId, typeId: type.id, entryId: entry.id, offerId, outcome: outcome.kind };
    switch (outcome.kind) {
      case 'sent':
        await markSent(store(), offerId, deps.now());
        deps.log.info(log, 'waitlist: slot offered');
        return 'offered';
      case 'no_credits':
        // No text can go for this org until it has credits: the next pass (a freed slot, the sweep) tries again.
        await abandon({ state: 'unsent', reason: 'no_credits', entry: 'waiting' });
        deps.log.warn(log, 'waitlist: no SMS credits left, the offer was not sent');
        return 'stop';
      case 'skipped_opted_out':
      case 'opted_out':
        await abandon({ state: 'unsent', reason: 'opted_out', entry: 'left' });
        deps.log.info(log, 'waitlist: the number opted out, it leaves the waitlist');
        return 'next_entry';
      case 'invalid_number':
        await abandon({ state: 'unsent', reason: `invalid_number:${outcome.code}`, entry: 'left' });
        deps.log.info(log, 'waitlist: the number cannot be texted, it leaves the waitlist');
        return 'next_entry';
      case 'retry':
        // Twilio (or the sender's shared rate limit) asks for a moment: the line goes on after it.
        await abandon({ state: 'unsent', reason: `twilio:${outcome.code}`, entry: 'waiting' });
        deps.log.warn(log, 'waitlist: the offer could not be sent yet, another pass is asked for');
        await deps.requestPass(orgId, type.id, Math.max(1000, outcome.afterMs));
        return 'stop';
      case 'failed':
        await abandon({ state: 'unsent', reason: `twilio:${outcome.code}`, entry: 'waiting' });
        deps.log.warn(log, 'waitlist: Twilio refused the offer');
        return 'next_entry';
    }
  }

  return {
    async join(slug: string, input: JoinInput): Promise<JoinResult> {
      const schedule = await orgFor(slug);
      const type = typeOf(schedule, input.typeId);
      if (deps.paysDeposit?.(type)) {
        throw waitlistProblem(
          'deposit_type',
          'This appointment has no waitlist',
          'It is booked with a deposit paid by card: please choose a day with free times.',
        );
      }
      if (!isValidTimeZone(input.timeZone)) {
        throw bookingProblem(
          'invalid_time_zone',
          'This time zone is not recognised',
          'Use a time zone name such as Europe/London.',
        );
      }
      // Checks the date, that it is today or later and within the type's horizon, as booking does.
      const { days } = await deps
        .booking()
        .slots(schedule.page.slug, type.id, { from: input.date, to: input.date, timeZone: input.timeZone });
      const patient = validatePatient({ name: input.name, phone: input.phone, locale: input.locale });
      if (!input.smsConsent) {
        throw waitlistProblem(
          'consent_required',
          'We need your agreement to send you a text',
          'The waitlist offers a freed time by text message: tick the box to agree to it.',
        );
      }
      if (days.some((day) => day.date === input.date && day.slots.length > 0)) {
        throw waitlistProblem('free_times', 'This day has free times', 'Please book one of them instead.');
      }
      if (!workingDaysOf(schedule, type, input.date, input.date, input.timeZone).has(input.date)) {
        throw waitlistProblem(
          'no_times_that_day',
          'The clinic has no times for this appointment on this day',
          'Please choose another day.',
        );
      }
      const range = localDayRange(input.date, input.date, input.timeZone);
      const hash = recipientHash(await deps.recipientKey(), schedule.orgId, patient.phone);
      const joined = await addEntry(
        store(),
        deps.envelope,
        {
          orgId: schedule.orgId,
          typeId: type.id,
          day: input.date,
          timeZone: input.timeZone,
          dayStart: new Date(range.from),
          dayEnd: new Date(range.to),
          recipientHash: hash,
          phone: patient.phone,
          name: patient.name,
          consentTextVersion: schedule.page.consentTextVersion,
        },
        deps.now(),
      );
      deps.log.info(
        { orgId: schedule.orgId, typeId: type.id, entryId: joined.id, replayed: joined.replayed },
        'waitlist: joined',
      );
      return {
        entry: {
          typeId: type.id,
          date: input.date,
          timeZone: input.timeZone,
          state: joined.state,
          position: joined.position,
        },
        replayed: joined.replayed,
      };
    },

    /** The days from..to on which the type works at all: a full one of them may be waited for. */
    async workingDays(slug: string, typeId: string, from: string, to: string, timeZone: string): Promise<Set<string>> {
      const schedule = await orgFor(slug);
      const type = typeOf(schedule, typeId);
      if (deps.paysDeposit?.(type)) return new Set();
      return workingDaysOf(schedule, type, from, to, timeZone);
    },

    async offer(token: string): Promise<OfferView> {
      const offer = await fromToken(token);
      if (offer.state === 'confirming') {
        throw waitlistProblem(
          'offer_in_progress',
          'Your booking is being made',
          'Please wait a few seconds, then reload.',
        );
      }
      const booked = offer.state === 'booked';
      if (!booked && (!isLive(offer.state) || offer.expires_at <= deps.now())) throw offerExpired();
      const schedule = await deps.schedule().schedule(offer.org_id);
      const entry = (await entryById(store(), offer.entry_id))!;
      const type = [...schedule.types, ...schedule.staffOnlyTypes].find((candidate) => candidate.id === offer.type_id);
      return {
        state: booked ? 'booked' : 'open',
        orgName: schedule.page.name,
        orgSlug: schedule.page.slug,
        typeName: type?.name ?? '',
        resourceName: schedule.resources.get(offer.resource_id)?.name ?? '',
        start: offer.start_at.toISOString(),
        end: offer.end_at.toISOString(),
        timeZone: entry.time_zone,
        expiresAt: offer.expires_at.toISOString(),
        ...(booked ? { links: await manageLinks(offer.booking_id) } : {}),
      };
    },

    /** Books the held slot; the booking's manage links. */
    async confirm(token: string): Promise<ManageLinks & { replayed: boolean }> {
      const offer = await fromToken(token);
      const { replayed } = await confirmOffer(deps, offer.booking_id);
      deps.log.info({ orgId: offer.org_id, offerId: offer.id, replayed }, 'waitlist: offer booked');
      return { ...(await manageLinks(offer.booking_id)), replayed };
    },

    /** The patient does not want it: the next in line is offered the slot now. */
    async decline(token: string): Promise<{ orgSlug: string }> {
      const offer = await fromToken(token);
      const declined = await declineOffer(store(), offer.id, deps.now());
      if (!declined) throw offerExpired();
      deps.log.info({ orgId: offer.org_id, offerId: offer.id }, 'waitlist: offer declined');
      await deps.requestPass(offer.org_id, offer.type_id);
      return { orgSlug: (await deps.schedule().schedule(offer.org_id)).page.slug };
    },

    /**
     * Offers the type's free slots to its waiting entries, first in line first. An entry whose
     * local time is in quiet hours is passed over for now: another pass is asked for when they end.
     */
    async pass(orgId: string, typeId: string): Promise<PassResult> {
      const now = deps.now();
      // Offers whose own jobs were lost are ended first, so their slots and entries count again.
      for (const id of await overdueOffers(store(), now, orgId, typeId)) await settleOffer(store(), id, now);
      const line = await waitingLine(store(), orgId, typeId, now);
      if (line.length === 0) return { offered: 0 };
      const schedule = await deps.schedule().schedule(orgId);
      // A type no longer public, or now taking a deposit, keeps its entries until their days pass;
      // nothing is offered.
      const type = schedule.types.find((candidate) => candidate.id === typeId);
      if (!type || deps.paysDeposit?.(type)) return { offered: 0 };
      const quietHours = await deps.quietHours(orgId);
      const freeByDay = new Map<string, StaffSlot[]>();
      let offered = 0;
      let quietUntil = Infinity;
      for (const entry of line) {
        const quiet = quietPeriodAt(now.getTime(), entry.time_zone, quietHours);
        if (quiet) {
          quietUntil = Math.min(quietUntil, quiet.end);
          continue;
        }
        const day = `${entry.day} ${entry.time_zone}`;
        let free = freeByDay.get(day);
        if (!free) freeByDay.set(day, (free = await freeSlotsOn(orgId, type.id, entry)));
        while (free.length > 0) {
          const outcome = await offerSlot(schedule, type, entry, free[0]!);
          if (outcome === 'stop') return { offered };
          if (outcome === 'next_entry') break;
          // A class's slot may have seats for the next in line too: its next hold says whether.
          if (outcome === 'taken' || type.capacity === 1) free.shift();
          if (outcome === 'offered') {
            offered += 1;
            break;
          }
        }
      }
      if (Number.isFinite(quietUntil)) await deps.requestPass(orgId, typeId, quietUntil - now.getTime() + 1000);
      return { offered };
    },

    /** An offer's expiry job: ends it if it ran out, and asks for a pass so the next in line gets the slot. */
    async settle(offerId: number): Promise<Date | undefined> {
      const settled = await settleOffer(store(), offerId, deps.now());
      if (settled.kind === 'later') return settled.at;
      if (settled.kind === 'ended') {
        deps.log.info({ orgId: settled.orgId, offerId }, 'waitlist: offer ended, the slot goes to the next in line');
        await deps.requestPass(settled.orgId, settled.typeId);
      }
      return undefined;
    },

    /** Sync's events: a cancelled or moved appointment frees its old time for the types waiting around it. */
    async onSyncEvent(event: SyncEvent): Promise<void> {
      let freed: { start: Date | null; end: Date | null } | undefined;
      if (event.type === 'cancelled') freed = { start: event.appointment.startAt, end: event.appointment.endAt };
      else if (event.type === 'rescheduled') freed = { start: event.previous.startAt, end: event.previous.endAt };
      let types: string[];
      if (event.type === 'config_changed') {
        // New hours or a removed closure may free time on any day.
        types = await typesWaiting(store(), event.orgId);
      } else if (freed?.start) {
        // Buffers reach across midnight: the days either side may gain a slot too.
        const start = freed.start.getTime();
        const end = freed.end?.getTime() ?? start;
        types = await typesWaiting(store(), event.orgId, { from: new Date(start - DAY), to: new Date(end + DAY) });
      } else {
        return;
      }
      // Sync publishes before it stores what it saw: the pass waits until the freed time reads as free.
      for (const typeId of types) await deps.requestPass(event.orgId, typeId, AFTER_SYNC_MS);
    },

    /**
     * The periodic look over everything: offers whose jobs were lost are ended, entries whose day is
     * over are closed (their numbers and names deleted), and every line with someone waiting gets
     * a pass (an offer not sent for want of credits is tried again).
     */
    async sweep(): Promise<{ settled: number; closed: number; passes: number }> {
      const now = deps.now();
      let settled = 0;
      for (const id of await overdueOffers(store(), now)) {
        if ((await settleOffer(store(), id, now)).kind === 'ended') settled += 1;
      }
      const closed = await closePastEntries(store(), now);
      const lines = await store().query<{ org_id: string; type_id: string }>(
        `select distinct org_id, type_id from waitlist_entry where state = 'waiting'`,
      );
      for (const line of lines) await deps.requestPass(line.org_id, line.type_id);
      return { settled, closed, passes: lines.length };
    },
  };
}
