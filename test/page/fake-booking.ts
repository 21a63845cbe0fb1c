// A small in-memory BookingService for rendering tests: weekday slots 09:00–12:00 in the clinic's
// zone, every 30 minutes, and bookings with manage tokens. It refuses the way the contract says
// (booking/types.ts BOOKING_ERRORS, booking/errors.ts SlotTakenProblem).
import { randomBytes } from 'node:crypto';
import { Temporal } from 'temporal-polyfill';
import { bookingProblem, SlotTakenProblem } from '../../service/src/booking/errors.ts';
import type {
  BookingInput,
  BookingResult,
  BookingService,
  BookingView,
  DaySlots,
  ManagePurpose,
  PublicOrg,
  SlotView,
} from '../../service/src/booking/types.ts';

export const TYPE_ID = 'a0B000000000001AAA';
export const CLINIC_ZONE = 'Europe/London';

interface Stored {
  booking: BookingView;
  input: BookingInput;
  tokens: Record<ManagePurpose, string>;
}

export class FakeBooking implements BookingService {
  orgInfo: PublicOrg;
  readonly bookings: Stored[] = [];
  /** Starts someone else has taken: booking one answers slot_taken. */
  readonly takenByOthers = new Set<string>();
  readonly expiredTokens = new Set<string>();
  /** Makes every call fail as an org that cannot be reached. */
  unreachable = false;
  readonly #now: () => Date;
  readonly #byIdempotencyKey = new Map<string, BookingResult>();

  constructor(now: () => Date, org: Partial<PublicOrg> = {}) {
    this.#now = now;
    this.orgInfo = {
      slug: 'riverside-clinic',
      name: 'Riverside Physiotherapy Clinic',
      brandColor: '#1B5FA8',
      defaultTimeZone: CLINIC_ZONE,
      consentText: '',
      consentTextVersion: '',
      types: [
        {
          id: TYPE_ID,
          name: 'Initial Assessment',
          description: 'A first visit.',
          durationMinutes: 45,
          price: 75,
          deposit: 20,
        },
      ],
      ...org,
    };
  }

  #check(): void {
    if (this.unreachable) throw bookingProblem('org_unavailable', 'The clinic cannot be reached');
  }

  async org(slug: string): Promise<PublicOrg> {
    this.#check();
    if (slug !== this.orgInfo.slug) throw bookingProblem('unknown_page', 'No booking page here');
    return this.orgInfo;
  }

  /** Every free slot, whatever the day, in a zone. */
  #freeSlots(timeZone: string, from: string, to: string): DaySlots[] {
    const days = new Map<string, SlotView[]>();
    const taken = new Set([
      ...this.takenByOthers,
      ...this.bookings.filter((b) => b.booking.status === 'confirmed').map((b) => b.booking.start),
    ]);
    let date = Temporal.PlainDate.from(from).subtract({ days: 1 });
    const last = Temporal.PlainDate.from(to).add({ days: 1 });
    while (Temporal.PlainDate.compare(date, last) <= 0) {
      if (date.dayOfWeek <= 5) {
        for (let minutes = 9 * 60; minutes < 12 * 60; minutes += 30) {
          const local = date.toPlainDateTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
          const instant = local.toZonedDateTime(CLINIC_ZONE).toInstant();
          const start = new Date(instant.epochMilliseconds).toISOString();
          if (instant.epochMilliseconds < this.#now().getTime() + 3_600_000 || taken.has(start)) continue;
          const there = instant.toZonedDateTimeISO(timeZone);
          const day = there.toPlainDate().toString();
          if (day < from || day > to) continue;
          const end = new Date(instant.epochMilliseconds + 45 * 60_000).toISOString();
          const time = there.toPlainTime().toString().slice(0, 5);
          days.set(day, [...(days.get(day) ?? []), { start, end, time, seatsLeft: 1 }]);
        }
      }
      date = date.add({ days: 1 });
    }
    return [...days.entries()].sort().map(([day, slots]) => ({ date: day, slots }));
  }

  async slots(slug: string, typeId: string, query: { from: string; to: string; timeZone: string }) {
    await this.org(slug);
    if (typeId !== TYPE_ID) throw bookingProblem('unknown_type', 'Unknown type');
    return {
      typeId,
      timeZone: query.timeZone,
      from: query.from,
      to: query.to,
      days: this.#freeSlots(query.timeZone, query.from, query.to),
    };
  }

  #nearest(start: string): SlotView[] {
    const day = new Date(start).toISOString().slice(0, 10);
    const to = Temporal.PlainDate.from(day).add({ days: 7 }).toString();
    return this.#freeSlots('UTC', day, to)
      .flatMap((d) => d.slots)
      .slice(0, 3);
  }

  #isFree(start: string): boolean {
    const day = start.slice(0, 10);
    return this.#freeSlots('UTC', day, day).some((d) => d.slots.some((slot) => slot.start === start));
  }

  async book(slug: string, input: BookingInput): Promise<BookingResult> {
    await this.org(slug);
    const replay = this.#byIdempotencyKey.get(input.idempotencyKey);
    if (replay) return { ...replay, replayed: true };
    if (input.typeId !== TYPE_ID) throw bookingProblem('unknown_type', 'Unknown type');
    if (this.takenByOthers.has(input.start)) throw new SlotTakenProblem('slot_taken', this.#nearest(input.start));
    if (!this.#isFree(input.start)) throw new SlotTakenProblem('slot_unavailable', this.#nearest(input.start));
    const stored: Stored = {
      input,
      booking: this.#view(`key-${this.bookings.length + 1}`, input.start, input.timeZone),
      tokens: { cancel: randomBytes(24).toString('base64url'), reschedule: randomBytes(24).toString('base64url') },
    };
    this.bookings.push(stored);
    const result = { booking: stored.booking, links: this.#links(stored), replayed: false };
    this.#byIdempotencyKey.set(input.idempotencyKey, result);
    return result;
  }

  #view(bookingKey: string, start: string, timeZone: string): BookingView {
    const startMs = new Date(start).getTime();
    return {
      bookingKey,
      status: 'confirmed',
      orgName: this.orgInfo.name,
      orgSlug: this.orgInfo.slug,
      type: { id: TYPE_ID, name: 'Initial Assessment', durationMinutes: 45 },
      resourceName: 'Dr Ada Okafor',
      start,
      end: new Date(startMs + 45 * 60_000).toISOString(),
      timeZone,
      changeableUntil: new Date(startMs - 24 * 3_600_000).toISOString(),
      canCancel: true,
      canReschedule: true,
    };
  }

  #links(stored: Stored) {
    return { cancelToken: stored.tokens.cancel, rescheduleToken: stored.tokens.reschedule };
  }

  #find(token: string): { stored: Stored; purpose: ManagePurpose } {
    this.#check();
    if (this.expiredTokens.has(token)) throw bookingProblem('expired_token', 'This link has expired');
    for (const stored of this.bookings) {
      for (const purpose of ['cancel', 'reschedule'] as const) {
        if (stored.tokens[purpose] === token) return { stored, purpose };
      }
    }
    throw bookingProblem('invalid_token', 'This link is not valid');
  }

  async get(token: string) {
    const { stored, purpose } = this.#find(token);
    return { booking: stored.booking, purpose };
  }

  async cancel(token: string): Promise<BookingView> {
    const { stored, purpose } = this.#find(token);
    if (purpose !== 'cancel') throw bookingProblem('invalid_token', 'This link is not for cancelling');
    if (stored.booking.status === 'cancelled') throw bookingProblem('already_cancelled', 'Already cancelled');
    stored.booking = { ...stored.booking, status: 'cancelled', canCancel: false, canReschedule: false };
    return stored.booking;
  }

  async reschedule(token: string, change: { start: string }): Promise<BookingResult> {
    const { stored, purpose } = this.#find(token);
    if (purpose !== 'reschedule') throw bookingProblem('invalid_token', 'This link is not for rescheduling');
    if (this.takenByOthers.has(change.start)) throw new SlotTakenProblem('slot_taken', this.#nearest(change.start));
    if (!this.#isFree(change.start)) throw new SlotTakenProblem('slot_unavailable', this.#nearest(change.start));
    stored.booking = { ...this.#view(stored.booking.bookingKey, change.start, stored.booking.timeZone) };
    // New links after a move, as the real service does: the old ones point at the old time.
    stored.tokens = {
      cancel: randomBytes(24).toString('base64url'),
      reschedule: randomBytes(24).toString('base64url'),
    };
    return { booking: stored.booking, links: this.#links(stored), replayed: false };
  }
}
