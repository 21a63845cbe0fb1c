// Waitlist offers in the store. An offer's life:
//   claim (entry waiting → offered, offer 'holding', in one transaction: whichever instance or retried
//   job updates the entry first makes the one offer) → the slot is held as a pending booking with a
//   seat in booking_session (booking/holds.ts holdNewBooking) until expires_at → the text is sent
//   ('offered') → the patient confirms ('confirming' while the org is asked, then 'booked'), declines,
//   or lets it run out ('expired'), and the hold is released in the same transaction that ends it.
// A hold that cannot be taken, or a text that cannot be sent, ends the offer and puts the entry back
// in line, its place kept.
import { releaseSeats } from '../booking/holds.ts';
import type { Queryable, Store } from '../store/store.ts';
import { backInLine, closeEntry } from './entries.ts';

export type OfferState = 'holding' | 'offered' | 'confirming' | 'booked' | 'expired' | 'declined' | 'unsent' | 'lost';

export type OfferRow = {
  id: number;
  entry_id: number;
  org_id: string;
  type_id: string;
  resource_id: string;
  start_at: Date;
  end_at: Date;
  booking_id: string;
  expires_at: Date;
  state: OfferState;
  reason: string | null;
};

export interface OfferClaim {
  entryId: number;
  orgId: string;
  typeId: string;
  resourceId: string;
  start: Date;
  end: Date;
  /** The id the hold's booking will have (the link names it). */
  bookingId: string;
  expiresAt: Date;
}

const LIVE_OFFER = `('holding', 'offered', 'confirming')`;
/** The states migration 0013's waitlist_offer_once index covers (the conflict target must name them). */
const ONCE_STATES = `('holding', 'offered', 'confirming', 'booked')`;
/** An offer's own job settles it at expires_at; the sweep catches one whose job was lost, this much later. */
export const OVERDUE_GRACE_MS = 60_000;

/**
 * Claims a waiting entry for a slot. Undefined when the entry is not waiting any more (another
 * instance claimed it) or this slot was offered to it before and that offer stands or was taken.
 */
export async function claimEntry(store: Store, claim: OfferClaim, now: Date): Promise<number | undefined> {
  return store.transaction(async (tx) => {
    const claimed = await tx.query(
      `update waitlist_entry set state = 'offered', updated_at = $2 where id = $1 and state = 'waiting' returning id`,
      [claim.entryId, now],
    );
    if (claimed.length === 0) return undefined;
    const [offer] = await tx.query<{ id: number }>(
      `insert into waitlist_offer (entry_id, org_id, type_id, resource_id, start_at, end_at, booking_id, expires_at,
         state, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'holding', $9, $9)
       on conflict (entry_id, resource_id, start_at) where state in ${ONCE_STATES} do nothing
       returning id`,
      [
        claim.entryId,
        claim.orgId,
        claim.typeId,
        claim.resourceId,
        claim.start,
        claim.end,
        claim.bookingId,
        claim.expiresAt,
        now,
      ],
    );
    if (!offer) await backInLine(tx, claim.entryId, now);
    return offer?.id;
  });
}

export async function offerById(db: Queryable, id: number, forUpdate = false): Promise<OfferRow | undefined> {
  const [row] = await db.query<OfferRow>(
    `select * from waitlist_offer where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row;
}

export async function offerByBooking(
  db: Queryable,
  bookingId: string,
  forUpdate = false,
): Promise<OfferRow | undefined> {
  const [row] = await db.query<OfferRow>(
    `select * from waitlist_offer where booking_id = $1${forUpdate ? ' for update' : ''}`,
    [bookingId],
  );
  return row;
}

/**
 * Gives the held seat back and fails the pending booking: booking/holds.ts failBooking's work,
 * inside the transaction that ends the offer, so the offer and its hold end together.
 */
export async function releaseHold(tx: Queryable, bookingId: string, now: Date): Promise<void> {
  await releaseSeats(tx, bookingId, 'all');
  await tx.query(
    `update booking set state = 'failed', idempotency_key = null, updated_at = $2 where id = $1 and state = 'pending'`,
    [bookingId, now],
  );
}

/** The text went out: the offer stands until it expires. False when it was ended meanwhile. */
export async function markSent(store: Store, offerId: number, now: Date): Promise<boolean> {
  const rows = await store.query(
    `update waitlist_offer set state = 'offered', updated_at = $2 where id = $1 and state = 'holding' returning id`,
    [offerId, now],
  );
  return rows.length > 0;
}

/**
 * Ends a live offer that the patient never had or can no longer have ('unsent': the text did not go;
 * 'lost': the slot could not be held or was taken in the org): hold released, and the entry back in
 * line, or closed when it cannot be texted at all (opted out, invalid number).
 */
export async function abandonOffer(
  store: Store,
  offerId: number,
  outcome: { state: 'unsent' | 'lost'; reason: string; entry: 'waiting' | 'left' },
  now: Date,
): Promise<void> {
  await store.transaction(async (tx) => {
    const offer = await offerById(tx, offerId, true);
    if (!offer || !isLive(offer.state)) return;
    await releaseHold(tx, offer.booking_id, now);
    await setState(tx, offerId, outcome.state, outcome.reason, now);
    if (outcome.entry === 'waiting') await backInLine(tx, offer.entry_id, now);
    else await closeEntry(tx, offer.entry_id, 'left', now);
  });
}

export type Settlement =
  /** Still standing: look again at `at` (a confirmation under way, or a job that ran early). */
  | { kind: 'later'; at: Date }
  /** Ended now: the slot is free again for the next in line. */
  | { kind: 'ended'; orgId: string; typeId: string }
  | { kind: 'nothing' };

/**
 * What an offer's expiry job does at expires_at. A text that went out and was not taken in time:
 * 'expired', the entry closed. An offer whose text was never known to go out (a crash between
 * claim and send): 'unsent', the entry back in line. A confirmation under way keeps the offer until
 * its extended hold runs out; one that finished is recorded as booked.
 */
export async function settleOffer(store: Store, offerId: number, now: Date): Promise<Settlement> {
  return store.transaction(async (tx): Promise<Settlement> => {
    const offer = await offerById(tx, offerId, true);
    if (!offer || !isLive(offer.state)) return { kind: 'nothing' };
    const ended = { kind: 'ended', orgId: offer.org_id, typeId: offer.type_id } as const;
    if (offer.state === 'confirming') {
      const [booking] = await tx.query<{ state: string }>(`select state from booking where id = $1`, [
        offer.booking_id,
      ]);
      if (booking?.state === 'confirmed') {
        await setState(tx, offerId, 'booked', null, now);
        await closeEntry(tx, offer.entry_id, 'booked', now);
        return { kind: 'nothing' };
      }
      const [seat] = await tx.query<{ expires_at: Date }>(
        `select expires_at from booking_seat where booking_id = $1 and state = 'held' and expires_at > $2`,
        [offer.booking_id, now],
      );
      if (seat) return { kind: 'later', at: seat.expires_at };
      // The confirmation died with its instance: the patient did try, so they keep their place.
      await releaseHold(tx, offer.booking_id, now);
      await setState(tx, offerId, 'lost', 'interrupted', now);
      await backInLine(tx, offer.entry_id, now);
      return ended;
    }
    if (offer.expires_at > now) return { kind: 'later', at: offer.expires_at };
    await releaseHold(tx, offer.booking_id, now);
    if (offer.state === 'holding') {
      await setState(tx, offerId, 'unsent', 'interrupted', now);
      await backInLine(tx, offer.entry_id, now);
    } else {
      await setState(tx, offerId, 'expired', null, now);
      await closeEntry(tx, offer.entry_id, 'expired', now);
    }
    return ended;
  });
}

/** The patient said no: the hold goes at once (to the next in line) and they leave the waitlist. */
export async function declineOffer(store: Store, offerId: number, now: Date): Promise<OfferRow | undefined> {
  return store.transaction(async (tx) => {
    const offer = await offerById(tx, offerId, true);
    if (!offer || (offer.state !== 'holding' && offer.state !== 'offered')) return undefined;
    await releaseHold(tx, offer.booking_id, now);
    await setState(tx, offerId, 'declined', null, now);
    await closeEntry(tx, offer.entry_id, 'left', now);
    return offer;
  });
}

/** Live offers past their expiry by more than the grace: their jobs were lost or are late. */
export async function overdueOffers(db: Queryable, now: Date, orgId?: string, typeId?: string): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `select id from waitlist_offer
      where state in ${LIVE_OFFER} and expires_at <= $1 and ($2::text is null or org_id = $2)
        and ($3::text is null or type_id = $3)
      order by id`,
    [new Date(now.getTime() - OVERDUE_GRACE_MS), orgId ?? null, typeId ?? null],
  );
  return rows.map((row) => row.id);
}

export async function setState(
  tx: Queryable,
  offerId: number,
  state: OfferState,
  reason: string | null,
  now: Date,
): Promise<void> {
  await tx.query(`update waitlist_offer set state = $2, reason = $3, updated_at = $4 where id = $1`, [
    offerId,
    state,
    reason,
    now,
  ]);
}

export function isLive(state: OfferState): boolean {
  return state === 'holding' || state === 'offered' || state === 'confirming';
}
