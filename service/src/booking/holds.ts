// The service store's side of booking: seats held and confirmed in sessions of a resource's time.
// What makes it race-free is migration 0006's exclusion constraint, not a check before an insert:
// two overlapping holds on one resource cannot both commit, whatever each request read before.
import { randomUUID } from 'node:crypto';
import type { EpochMs } from '../availability/types.ts';
import type { Queryable, Store } from '../store/store.ts';

/** The time a new seat takes: a session of `typeId` at `start` on `resourceId`. */
export interface SeatRequest {
  orgId: string;
  resourceId: string;
  typeId: string;
  start: EpochMs;
  end: EpochMs;
  /** The appointment widened by its type's buffers. */
  bufferedStart: EpochMs;
  bufferedEnd: EpochMs;
  capacity: number;
  /** Until when the hold stands if the booking never finishes (a crash while the org is asked). */
  expiresAt: Date;
}

export interface NewBooking {
  id: string;
  orgId: string;
  bookingKey: string;
  idempotencyKey: string;
  typeId: string;
  resourceId: string;
  start: EpochMs;
  end: EpochMs;
  timeZone: string;
}

/**
 * Why a hold was not taken: 'taken' (the time overlaps another owner's session, or the class is full),
 * or this idempotency key already has a booking.
 */
export type HoldRefusal = 'taken' | 'duplicate_idempotency_key';

export type BookingRow = {
  id: string;
  org_id: string;
  booking_key: string;
  idempotency_key: string | null;
  state: 'pending' | 'confirmed' | 'cancelled' | 'failed';
  type_id: string;
  resource_id: string;
  start_at: Date;
  end_at: Date;
  time_zone: string;
  appointment_id: string | null;
  link_version: number;
};

const EXCLUSION_VIOLATION = '23P01';
const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';
const DEADLOCK_DETECTED = '40P01';

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function constraintOf(error: unknown): string | undefined {
  return (error as { constraint?: string } | null)?.constraint;
}

/**
 * Releases the org's held seats whose time ran out (a request that died while asking the org).
 * Run inside the transaction that takes a seat: a constraint cannot look at the clock, so expiry
 * is applied here, just before the insert it would otherwise block.
 */
export async function releaseExpiredHolds(tx: Queryable, orgId: string, now: Date): Promise<void> {
  await tx.query(
    `with expired as (
       delete from booking_seat where org_id = $1 and state = 'held' and expires_at <= $2 returning session_id, booking_id
     ), counts as (
       select session_id, count(*)::int as n from expired group by session_id
     ), sessions as (
       update booking_session s set seats_taken = s.seats_taken - c.n from counts c where s.id = c.session_id
     )
     update booking b set state = 'failed', idempotency_key = null, updated_at = $2
       from expired e where b.id = e.booking_id and b.state = 'pending'`,
    [orgId, now],
  );
}

/**
 * Takes a seat: joins the session of the same type and start on the resource while it has seats
 * left, or starts a new one. Throws the database's exclusion or check violation when the time is
 * taken (the caller's transaction then rolls back).
 */
async function takeSeat(tx: Queryable, bookingId: string, seat: SeatRequest, owner: string, now: Date): Promise<void> {
  // The update locks the session row: joiners and leavers of one session go one at a time.
  let [session] = await tx.query<{ id: number }>(
    `update booking_session set seats_taken = seats_taken + 1
      where org_id = $1 and resource_id = $2 and type_id = $3 and start_at = $4 and seats_taken > 0
        and capacity = $5
      returning id`,
    [seat.orgId, seat.resourceId, seat.typeId, new Date(seat.start), seat.capacity],
  );
  if (!session) {
    [session] = await tx.query<{ id: number }>(
      `insert into booking_session (org_id, resource_id, type_id, start_at, end_at, during, capacity, seats_taken,
         owner, created_at)
       values ($1, $2, $3, $4, $5, tstzrange($6, $7, '[)'), $8, 1, $9, $10)
       returning id`,
      [
        seat.orgId,
        seat.resourceId,
        seat.typeId,
        new Date(seat.start),
        new Date(seat.end),
        new Date(seat.bufferedStart),
        new Date(seat.bufferedEnd),
        seat.capacity,
        owner,
        now,
      ],
    );
  }
  // The lowest seat number free in the session (its row is locked by the statement above).
  await tx.query(
    `insert into booking_seat (session_id, seat, capacity, booking_id, org_id, state, expires_at)
     select $1, n, $2, $3, $4, 'held', $5
       from generate_series(0, $2 - 1) as n
      where not exists (select 1 from booking_seat where session_id = $1 and seat = n)
      order by n limit 1`,
    [session!.id, seat.capacity, bookingId, seat.orgId, seat.expiresAt],
  );
}

/** Whether `error` says the time was taken by someone else: the answer is another slot, not a 500. */
function isTaken(error: unknown): boolean {
  const code = pgCode(error);
  return (
    code === EXCLUSION_VIOLATION ||
    (code === CHECK_VIOLATION && constraintOf(error)?.startsWith('booking_session') === true)
  );
}

/**
 * Runs a seat-taking transaction until it commits or the time is taken. Two patients starting the
 * same class at once both insert a session; the second is refused by the exclusion constraint
 * although it could have joined the first: one more try joins it. Concurrent conflicting inserts
 * into the exclusion index can also deadlock (PostgreSQL aborts one of them): that one runs again.
 */
async function untilSeated(capacity: number, transaction: () => Promise<void>): Promise<'done' | 'taken'> {
  let deadlocks = 0;
  for (let attempt = 0; ;) {
    try {
      await transaction();
      return 'done';
    } catch (error) {
      if (pgCode(error) === DEADLOCK_DETECTED && deadlocks++ < 5) continue;
      if (!isTaken(error)) throw error;
      if (capacity === 1 || attempt++ >= 1) return 'taken';
    }
  }
}

/**
 * A new booking in state 'pending' with a held seat, in one transaction. Two overlapping holds on
 * one resource: one commits, the other is refused ('taken'). A class: seats are taken until the
 * session's capacity, then 'taken'. A repeat of an idempotency key: 'duplicate_idempotency_key'.
 */
export async function holdNewBooking(
  store: Store,
  booking: NewBooking,
  seat: SeatRequest,
  now: Date,
): Promise<'held' | HoldRefusal> {
  try {
    const outcome = await untilSeated(seat.capacity, () =>
      store.transaction(async (tx) => {
        await releaseExpiredHolds(tx, booking.orgId, now);
        await tx.query(
          `insert into booking (id, org_id, booking_key, idempotency_key, state, type_id, resource_id, start_at, end_at,
               time_zone, created_at, updated_at)
             values ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $10)`,
          [
            booking.id,
            booking.orgId,
            booking.bookingKey,
            booking.idempotencyKey,
            booking.typeId,
            booking.resourceId,
            new Date(booking.start),
            new Date(booking.end),
            booking.timeZone,
            now,
          ],
        );
        // A one-seat session is owned by its booking key (see holdMove); a class session by itself.
        await takeSeat(tx, booking.id, seat, seat.capacity === 1 ? booking.bookingKey : randomUUID(), now);
      }),
    );
    return outcome === 'done' ? 'held' : 'taken';
  } catch (error) {
    if (pgCode(error) === UNIQUE_VIOLATION && constraintOf(error)?.includes('idempotency')) {
      return 'duplicate_idempotency_key';
    }
    throw error;
  }
}

/**
 * A second seat for a confirmed booking that is moving: held on the new time while the org is
 * asked. Its session is owned by the booking key, so it may overlap the booking's own old session.
 */
export async function holdMove(
  store: Store,
  booking: { id: string; bookingKey: string },
  seat: SeatRequest,
  now: Date,
): Promise<'held' | 'taken'> {
  const outcome = await untilSeated(seat.capacity, () =>
    store.transaction(async (tx) => {
      await releaseExpiredHolds(tx, seat.orgId, now);
      await takeSeat(tx, booking.id, seat, seat.capacity === 1 ? booking.bookingKey : randomUUID(), now);
    }),
  );
  return outcome === 'done' ? 'held' : 'taken';
}

/** Deletes seats of a booking (all, or those in one state) and gives them back to their sessions. */
export async function releaseSeats(
  tx: Queryable,
  bookingId: string,
  which: 'held' | 'confirmed' | 'all',
): Promise<void> {
  await tx.query(
    `with released as (
       delete from booking_seat where booking_id = $1 and ($2 = 'all' or state = $2) returning session_id
     ), counts as (
       select session_id, count(*)::int as n from released group by session_id
     )
     update booking_session s set seats_taken = s.seats_taken - c.n from counts c where s.id = c.session_id`,
    [bookingId, which],
  );
}

/** The org could not take the booking: its hold is released and its idempotency key freed. */
export async function failBooking(store: Store, bookingId: string, now: Date): Promise<void> {
  await store.transaction(async (tx) => {
    await releaseSeats(tx, bookingId, 'all');
    await tx.query(
      `update booking set state = 'failed', idempotency_key = null, updated_at = $2
        where id = $1 and state = 'pending'`,
      [bookingId, now],
    );
  });
}

/**
 * The org has the appointment: the booking is confirmed and its seat no longer expires. A slow org
 * can outlast the hold: its seat may have expired and been given back (and its booking marked
 * failed). Then the seat is taken again in the same transaction, under the same exclusion
 * constraint, so a booking is never confirmed without a seat: 'taken' means someone else has the
 * time now, nothing was changed, and the caller must undo the appointment in the org.
 */
export async function confirmBooking(
  store: Store,
  booking: { id: string; bookingKey: string; idempotencyKey: string | null },
  seat: SeatRequest,
  appointmentId: string,
  now: Date,
): Promise<'confirmed' | 'taken'> {
  const outcome = await untilSeated(seat.capacity, () =>
    store.transaction(async (tx) => {
      const kept = await tx.query(
        `update booking_seat set state = 'confirmed', expires_at = null where booking_id = $1 returning seat`,
        [booking.id],
      );
      if (kept.length === 0) {
        await releaseExpiredHolds(tx, seat.orgId, now);
        await takeSeat(tx, booking.id, seat, seat.capacity === 1 ? booking.bookingKey : randomUUID(), now);
        await tx.query(`update booking_seat set state = 'confirmed', expires_at = null where booking_id = $1`, [
          booking.id,
        ]);
      }
      // An expired hold cleared the idempotency key; it comes back unless a retry has taken it.
      const [row] = await tx.query<{ resource_id: string; start_at: Date; end_at: Date }>(
        `update booking set state = 'confirmed', appointment_id = $2, updated_at = $3,
             idempotency_key = coalesce(idempotency_key, (select $4::text where not exists
               (select 1 from booking where org_id = $5 and idempotency_key = $4)))
            where id = $1 returning resource_id, start_at, end_at`,
        [booking.id, appointmentId, now, booking.idempotencyKey, seat.orgId],
      );
      await recordChange(tx, booking.id, 'booked', row!, now);
    }),
  );
  return outcome === 'done' ? 'confirmed' : 'taken';
}

export async function recordChange(
  tx: Queryable,
  bookingId: string,
  kind: 'booked' | 'rescheduled' | 'cancelled',
  at: { resource_id: string; start_at: Date; end_at: Date },
  now: Date,
): Promise<void> {
  await tx.query(
    `insert into booking_change (booking_id, kind, resource_id, start_at, end_at, at) values ($1, $2, $3, $4, $5, $6)`,
    [bookingId, kind, at.resource_id, at.start_at, at.end_at, now],
  );
}

export async function bookingById(db: Queryable, id: string, forUpdate = false): Promise<BookingRow | undefined> {
  const [row] = await db.query<BookingRow>(`select * from booking where id = $1${forUpdate ? ' for update' : ''}`, [
    id,
  ]);
  return row;
}

export async function bookingByIdempotencyKey(
  db: Queryable,
  orgId: string,
  idempotencyKey: string,
): Promise<BookingRow | undefined> {
  const [row] = await db.query<BookingRow>(`select * from booking where org_id = $1 and idempotency_key = $2`, [
    orgId,
    idempotencyKey,
  ]);
  return row;
}

/**
 * Busy time of the service's own live sessions on these resources (confirmed seats, and held ones
 * not expired at `now`): the appointments the org may not have yet, or that sync has not brought
 * back yet. An expired hold no longer hides the time, even before a hold releases it.
 */
export async function sessionBusy(
  db: Queryable,
  orgId: string,
  resourceIds: readonly string[],
  from: EpochMs,
  to: EpochMs,
  now: Date,
): Promise<
  {
    resourceId: string;
    typeId: string;
    start: EpochMs;
    bufferedStart: EpochMs;
    bufferedEnd: EpochMs;
    seats: number;
    bookingKeys: string[];
  }[]
> {
  if (resourceIds.length === 0) return [];
  const rows = await db.query<{
    resource_id: string;
    type_id: string;
    start_at: Date;
    lower: Date;
    upper: Date;
    seats: number;
    booking_keys: string[];
  }>(
    `select s.resource_id, s.type_id, s.start_at, lower(s.during) as lower, upper(s.during) as upper,
            live.seats, live.booking_keys
       from booking_session s
       cross join lateral (
         select count(*)::int as seats, array_agg(b.booking_key) as booking_keys
           from booking_seat bs join booking b on b.id = bs.booking_id
          where bs.session_id = s.id and (bs.state = 'confirmed' or bs.expires_at > $5)
       ) live
      where s.org_id = $1 and s.resource_id = any($2::text[]) and s.seats_taken > 0 and live.seats > 0
        and s.during && tstzrange($3, $4, '[)')`,
    [orgId, resourceIds, new Date(from), new Date(to), now],
  );
  return rows.map((row) => ({
    resourceId: row.resource_id,
    typeId: row.type_id,
    start: row.start_at.getTime(),
    bufferedStart: row.lower.getTime(),
    bufferedEnd: row.upper.getTime(),
    seats: row.seats,
    bookingKeys: row.booking_keys,
  }));
}

/** Confirmed seats per resource from `since`: the load "any available" spreads bookings by. */
export async function confirmedLoad(
  db: Queryable,
  orgId: string,
  resourceIds: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  const rows = await db.query<{ resource_id: string; n: number }>(
    `select resource_id, count(*)::int as n from booking
      where org_id = $1 and resource_id = any($2::text[]) and state = 'confirmed' and start_at >= $3
      group by resource_id`,
    [orgId, resourceIds, since],
  );
  return new Map(rows.map((row) => [row.resource_id, row.n]));
}
