// Deposits in the store (migration 0016): one row per booking held for its deposit, one per charge
// attempt. What keeps a patient from being charged twice lives here: an attempt is claimed under
// the deposit's row lock, at most one is out at a time (a partial unique index says so too), and the
// same idempotency key answers the attempt it first made. The payment window is the booking's held
// seat: a charge starts only while it stands, and extends it for the charge and the org write.
import { releaseSeats } from '../booking/holds.ts';
import type { PatientDetails } from '../booking/patient.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import type { Queryable, Store } from '../store/store.ts';
import { invoiceNumberOf, type DepositTerms } from './policy.ts';

/** Registered with key rotation by plugins/deposits.ts. */
export const DEPOSIT_PATIENT_COLUMN: EncryptedColumn = {
  table: 'deposit',
  column: 'patient_ciphertext',
  idColumn: 'booking_id',
};

export type DepositState = 'unpaid' | 'charging' | 'authorized' | 'captured' | 'return_due' | 'returned' | 'expired';

export type DepositRow = {
  booking_id: string;
  org_id: string;
  amount_minor: number;
  currency: string;
  capture_at_booking: boolean;
  cutoff_hours: number;
  state: DepositState;
  trans_id: string | null;
  approved_at: Date | null;
  created_at: Date;
};

export type AttemptState = 'charging' | 'approved' | 'declined' | 'not_charged';

export type AttemptRow = {
  id: number;
  booking_id: string;
  idempotency_key: string;
  invoice_number: string;
  state: AttemptState;
  /** Why it was declined: an AuthNetError kind ('declined', 'cvv_mismatch', …). */
  outcome: string | null;
  trans_id: string | null;
  created_at: Date;
};

/** What the appointment needs once paid, kept encrypted meanwhile. */
export interface HeldPatient {
  patient: PatientDetails;
  smsConsent: boolean;
  consentTextVersion: string;
}

const DEPOSIT_FIELDS = [
  'booking_id',
  'org_id',
  'amount_minor',
  'currency',
  'capture_at_booking',
  'cutoff_hours',
  'state',
  'trans_id',
  'approved_at',
  'created_at',
];
/** The columns of DepositRow (never the patient's ciphertext), optionally of a table alias. */
const columns = (alias = '') => DEPOSIT_FIELDS.map((field) => `${alias}${field}`).join(', ');
const APPROVED: DepositState[] = ['authorized', 'captured'];

const patientContext = (bookingId: string) => ({
  table: DEPOSIT_PATIENT_COLUMN.table,
  column: DEPOSIT_PATIENT_COLUMN.column,
  rowId: bookingId,
});

/** The deposit of a booking just held. A repeat (the same booking) keeps the first. */
export async function createDeposit(
  store: Store,
  envelope: Envelope,
  deposit: { bookingId: string; orgId: string; terms: DepositTerms; held: HeldPatient },
  now: Date,
): Promise<void> {
  const { bookingId, terms } = deposit;
  const ciphertext = await envelope.encrypt(JSON.stringify(deposit.held), patientContext(bookingId));
  await store.query(
    `insert into deposit (booking_id, org_id, amount_minor, currency, capture_at_booking, cutoff_hours, state,
       patient_ciphertext, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, 'unpaid', $7, $8, $8)
     on conflict (booking_id) do nothing`,
    [
      bookingId,
      deposit.orgId,
      terms.amountMinor,
      terms.currency,
      terms.captureAtBooking,
      terms.cutoffHours,
      ciphertext,
      now,
    ],
  );
}

export async function depositOf(db: Queryable, bookingId: string, forUpdate = false): Promise<DepositRow | undefined> {
  const [row] = await db.query<DepositRow>(
    `select ${columns()} from deposit where booking_id = $1${forUpdate ? ' for update' : ''}`,
    [bookingId],
  );
  return row;
}

export async function depositByTransaction(db: Queryable, transId: string): Promise<DepositRow | undefined> {
  const [row] = await db.query<DepositRow>(`select ${columns()} from deposit where trans_id = $1`, [transId]);
  return row;
}

/** The patient's details while the deposit is paid; undefined once cleared. */
export async function heldPatient(
  db: Queryable,
  envelope: Envelope,
  bookingId: string,
): Promise<HeldPatient | undefined> {
  const [row] = await db.query<{ patient_ciphertext: Buffer | null }>(
    `select patient_ciphertext from deposit where booking_id = $1`,
    [bookingId],
  );
  if (!row?.patient_ciphertext) return undefined;
  return JSON.parse(await envelope.decryptText(row.patient_ciphertext, patientContext(bookingId))) as HeldPatient;
}

export async function clearPatient(db: Queryable, bookingId: string): Promise<void> {
  await db.query(`update deposit set patient_ciphertext = null where booking_id = $1`, [bookingId]);
}

export async function attemptByInvoice(db: Queryable, invoiceNumber: string): Promise<AttemptRow | undefined> {
  const [row] = await db.query<AttemptRow>(`select * from deposit_attempt where invoice_number = $1`, [invoiceNumber]);
  return row;
}

export async function chargingAttempt(db: Queryable, bookingId: string): Promise<AttemptRow | undefined> {
  const [row] = await db.query<AttemptRow>(
    `select * from deposit_attempt where booking_id = $1 and state = 'charging'`,
    [bookingId],
  );
  return row;
}

/** The last attempt that ended without money taken, for the page's message. */
export async function lastAttempt(db: Queryable, bookingId: string): Promise<AttemptRow | undefined> {
  const [row] = await db.query<AttemptRow>(
    `select * from deposit_attempt where booking_id = $1 order by id desc limit 1`,
    [bookingId],
  );
  return row;
}

/**
 * Whether a charge may start, and the attempt if so:
 * - 'charge': the attempt was claimed (the deposit is 'charging', its hold extended by `chargeHoldMs`);
 * - 'replay': this key was used before: its attempt, whatever became of it;
 * - 'busy': another attempt is out (or died with no answer: the caller reconciles it first);
 * - 'paid': approved already; 'closed': the window ran out or the money went back.
 * A deposit whose window ran out is expired here, in the same transaction: nothing is charged after it.
 */
export type ChargeClaim =
  | { kind: 'charge'; deposit: DepositRow; attempt: AttemptRow }
  | { kind: 'replay'; deposit: DepositRow; attempt: AttemptRow }
  | { kind: 'busy'; deposit: DepositRow; attempt: AttemptRow | undefined }
  | { kind: 'paid'; deposit: DepositRow }
  | { kind: 'closed'; deposit: DepositRow | undefined };

export async function claimCharge(
  store: Store,
  bookingId: string,
  idempotencyKey: string,
  chargeHoldMs: number,
  now: Date,
): Promise<ChargeClaim> {
  return store.transaction(async (tx) => {
    const deposit = await depositOf(tx, bookingId, true);
    if (!deposit) return { kind: 'closed', deposit: undefined };
    const [earlier] = await tx.query<AttemptRow>(
      `select * from deposit_attempt where booking_id = $1 and idempotency_key = $2`,
      [bookingId, idempotencyKey],
    );
    if (earlier) return { kind: 'replay', deposit, attempt: earlier };
    if (APPROVED.includes(deposit.state)) return { kind: 'paid', deposit };
    if (deposit.state === 'charging') return { kind: 'busy', deposit, attempt: await chargingAttempt(tx, bookingId) };
    if (deposit.state !== 'unpaid') return { kind: 'closed', deposit };
    const held = await tx.query(
      `update booking_seat set expires_at = greatest(expires_at, $2)
        where booking_id = $1 and state = 'held' and expires_at > $3 returning seat`,
      [bookingId, new Date(now.getTime() + chargeHoldMs), now],
    );
    if (held.length === 0) {
      await expire(tx, bookingId, now);
      return { kind: 'closed', deposit: { ...deposit, state: 'expired' } };
    }
    const [attempt] = await tx.query<AttemptRow>(
      `insert into deposit_attempt (booking_id, idempotency_key, invoice_number, state, created_at, updated_at)
       values ($1, $2, $3, 'charging', $4, $4) returning *`,
      [bookingId, idempotencyKey, invoiceNumberOf(bookingId, idempotencyKey), now],
    );
    await tx.query(`update deposit set state = 'charging', updated_at = $2 where booking_id = $1`, [bookingId, now]);
    return { kind: 'charge', deposit: { ...deposit, state: 'charging' }, attempt: attempt! };
  });
}

/** How a charge attempt ended. */
export type AttemptOutcome =
  | { state: 'approved'; transId: string }
  | { state: 'declined'; reason: string; transId?: string }
  | { state: 'not_charged' };

/**
 * Records an attempt's outcome and moves the deposit on: approved → 'authorized' or 'captured'
 * (as its terms say), else back to 'unpaid' so the patient may try again while the window stands.
 * An attempt already settled (a webhook and a retry reconciling at once) is left as it is: false.
 */
export async function settleAttempt(store: Store, attempt: AttemptRow, outcome: AttemptOutcome, now: Date) {
  return store.transaction(async (tx) => {
    const deposit = await depositOf(tx, attempt.booking_id, true);
    const [updated] = await tx.query<AttemptRow>(
      `update deposit_attempt set state = $2, outcome = $3, trans_id = $4, updated_at = $5
        where id = $1 and state = 'charging' returning id`,
      [
        attempt.id,
        outcome.state,
        outcome.state === 'declined' ? outcome.reason : null,
        outcome.state === 'not_charged' ? null : (outcome.transId ?? null),
        now,
      ],
    );
    if (!updated || !deposit) return false;
    if (outcome.state === 'approved') {
      await tx.query(
        `update deposit set state = $2, trans_id = $3, approved_at = $4, updated_at = $4 where booking_id = $1`,
        [attempt.booking_id, deposit.capture_at_booking ? 'captured' : 'authorized', outcome.transId, now],
      );
    } else if (deposit.state === 'charging') {
      await tx.query(`update deposit set state = 'unpaid', updated_at = $2 where booking_id = $1`, [
        attempt.booking_id,
        now,
      ]);
    }
    return true;
  });
}

/** The window ran out with nothing charged: seat given back, booking failed, details deleted. */
async function expire(tx: Queryable, bookingId: string, now: Date): Promise<void> {
  await releaseSeats(tx, bookingId, 'all');
  await tx.query(
    `update booking set state = 'failed', idempotency_key = null, updated_at = $2 where id = $1 and state = 'pending'`,
    [bookingId, now],
  );
  await tx.query(
    `update deposit set state = 'expired', patient_ciphertext = null, updated_at = $2 where booking_id = $1`,
    [bookingId, now],
  );
}

/** Closes unpaid deposits whose window has run out (no seat still held for them). Returns how many. */
export async function expireLapsed(store: Store, now: Date): Promise<number> {
  const lapsed = await store.query<{ booking_id: string }>(
    `select d.booking_id from deposit d
      where d.state = 'unpaid' and not exists (
        select 1 from booking_seat s where s.booking_id = d.booking_id and s.state = 'held' and s.expires_at > $1)`,
    [now],
  );
  let expired = 0;
  for (const { booking_id: bookingId } of lapsed) {
    expired += await store.transaction(async (tx) => {
      const deposit = await depositOf(tx, bookingId, true);
      if (deposit?.state !== 'unpaid') return 0;
      await expire(tx, bookingId, now);
      return 1;
    });
  }
  return expired;
}

/**
 * The booking cannot stand (the org has the time, could not be written, or it was cancelled) but
 * its deposit was approved: the money must go back. A pending booking fails here; a confirmed one
 * is left alone (nothing is owed) unless `evenIfConfirmed` (the org cancelled it before its cutoff).
 * Returns the deposit when there is money to give back.
 */
export async function owe(
  store: Store,
  bookingId: string,
  now: Date,
  evenIfConfirmed = false,
): Promise<DepositRow | undefined> {
  return store.transaction(async (tx) => {
    const deposit = await depositOf(tx, bookingId, true);
    if (!deposit || !APPROVED.includes(deposit.state)) return deposit?.state === 'return_due' ? deposit : undefined;
    const [booking] = await tx.query<{ state: string }>(`select state from booking where id = $1 for update`, [
      bookingId,
    ]);
    if (booking?.state === 'confirmed' && !evenIfConfirmed) return undefined;
    if (booking?.state === 'pending') {
      await releaseSeats(tx, bookingId, 'all');
      await tx.query(`update booking set state = 'failed', idempotency_key = null, updated_at = $2 where id = $1`, [
        bookingId,
        now,
      ]);
    }
    await tx.query(
      `update deposit set state = 'return_due', patient_ciphertext = null, updated_at = $2 where booking_id = $1`,
      [bookingId, now],
    );
    return { ...deposit, state: 'return_due' };
  });
}

/** Moves a deposit from one state to another; false when it was not in `from` (someone else moved it). */
export async function moveDeposit(
  db: Queryable,
  bookingId: string,
  from: readonly DepositState[],
  to: DepositState,
  now: Date,
): Promise<boolean> {
  const moved = await db.query(
    `update deposit set state = $3, updated_at = $4 where booking_id = $1 and state = any($2::text[]) returning booking_id`,
    [bookingId, from, to, now],
  );
  return moved.length > 0;
}

/** Attempts out longer than `staleMs` with no answer recorded: to look up at Authorize.Net. */
export async function staleAttempts(db: Queryable, olderThan: Date): Promise<AttemptRow[]> {
  return db.query<AttemptRow>(
    `select * from deposit_attempt where state = 'charging' and created_at <= $1 order by id limit 100`,
    [olderThan],
  );
}

/**
 * Takes the lease on writing an approved deposit's appointment for `ms`; false when someone else
 * holds it, or the deposit is no longer approved.
 */
export async function leaseConfirm(store: Store, bookingId: string, ms: number, now: Date): Promise<boolean> {
  const leased = await store.query(
    `update deposit set confirm_lease_until = $2
      where booking_id = $1 and state in ('authorized', 'captured')
        and (confirm_lease_until is null or confirm_lease_until <= $3)
      returning booking_id`,
    [bookingId, new Date(now.getTime() + ms), now],
  );
  return leased.length > 0;
}

/**
 * Approved deposits whose booking is not confirmed (the request that charged died, or its answer
 * came later), approved at or before `approvedBefore` and not leased: the sweep finishes them.
 */
export async function unconfirmedApprovals(db: Queryable, approvedBefore: Date, now: Date): Promise<DepositRow[]> {
  return db.query<DepositRow>(
    `select ${columns('d.')} from deposit d join booking b on b.id = d.booking_id
      where d.state in ('authorized', 'captured') and b.state in ('pending', 'failed') and d.approved_at <= $1
        and (d.confirm_lease_until is null or d.confirm_lease_until <= $2)
      order by d.approved_at limit 100`,
    [approvedBefore, now],
  );
}

/** Money to give back: approved deposits of bookings cancelled on the manage page, and returns not done yet. */
export async function owedDeposits(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ booking_id: string }>(
    `select d.booking_id from deposit d join booking b on b.id = d.booking_id
      where (d.state in ('authorized', 'captured') and b.state = 'cancelled') or d.state = 'return_due'
      order by d.updated_at limit 100`,
  );
  return rows.map((row) => row.booking_id);
}

/** The deposit of a booking by its booking key (what manage links show). */
export async function depositByBookingKey(
  db: Queryable,
  bookingKey: string,
): Promise<(DepositRow & { booking_state: string }) | undefined> {
  const [row] = await db.query<DepositRow & { booking_state: string }>(
    `select ${columns('d.')}, b.state as booking_state from deposit d join booking b on b.id = d.booking_id
      where b.booking_key = $1`,
    [bookingKey],
  );
  return row;
}

/** Authorized deposits of confirmed bookings, with their start, for the capture pass. */
export async function authorizedDeposits(
  db: Queryable,
): Promise<(DepositRow & { start_at: Date; booking_key: string; appointment_id: string | null })[]> {
  return db.query(
    `select ${columns('d.')}, b.start_at, b.booking_key, b.appointment_id
       from deposit d join booking b on b.id = d.booking_id
      where d.state = 'authorized' and b.state = 'confirmed'
      order by b.start_at limit 500`,
  );
}
