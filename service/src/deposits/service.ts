// Deposits: a type with one is confirmed only after payment. The details step holds the slot as a
// pending booking for the payment window (holdForPayment: nothing written to the org yet) and keeps
// the patient's details encrypted; the payment step charges the nonce AcceptUI returned, with the
// amount and capture mode of the type as they were when the slot was held; an approved charge
// writes the appointment (confirm.ts). Nothing is charged after the window, nothing twice (one
// attempt out at a time, idempotency keys, an answer that never came is looked up by invoice
// number before anything else), and money that must go back (the org has the time, the booking
// was cancelled within policy) is given back, now or by the sweep.
import { randomUUID } from 'node:crypto';
import { bookingById, failBooking, type BookingRow } from '../booking/holds.ts';
import { linkExpiry, signManageToken } from '../booking/manage-token.ts';
import type { PaymentHolds } from '../booking/service.ts';
import type { BookingInput, ManageLinks, ManagePurpose } from '../booking/types.ts';
import { AuthNetError, type AuthNetErrorKind } from '../payments/authnet/errors.ts';
import type { AuthNetClient } from '../payments/authnet/client.ts';
import type { AnetWebhookEvent } from '../payments/authnet/webhook.ts';
import { HttpProblem } from '../problem.ts';
import { soql } from '../salesforce/soql.ts';
import type { OrgSchedule, PublicAppointmentType } from '../schedule/types.ts';
import { confirmPaid, type ConfirmDeps, type ConfirmFailure } from './confirm.ts';
import { capture, giveBack, recordInOrg, type MoneyDeps } from './money.ts';
import { captureDueAt, depositTerms, findingOf } from './policy.ts';
import {
  attemptByInvoice,
  authorizedDeposits,
  chargingAttempt,
  claimCharge,
  createDeposit,
  depositByBookingKey,
  depositByTransaction,
  depositOf,
  expireLapsed,
  lastAttempt,
  leaseConfirm,
  moveDeposit,
  owe,
  owedDeposits,
  settleAttempt,
  staleAttempts,
  unconfirmedApprovals,
  type AttemptRow,
  type DepositRow,
} from './store.ts';
import { PAYMENT_LINK_GRACE_MS, signPaymentToken, verifyPaymentToken } from './token.ts';

export interface DepositServiceDeps extends ConfirmDeps, Omit<MoneyDeps, 'log'> {
  log: MoneyDeps['log'];
  booking: () => PaymentHolds;
  client: () => AuthNetClient;
  signingKey: () => Promise<Buffer>;
  /** DEPOSIT_CURRENCY: what Deposit__c amounts are in. */
  currency: string;
  /** DEPOSIT_HOLD_MINUTES: how long the slot is held while the patient pays. */
  holdMs: number;
  /**
   * How long a charge may go without an answer before it is looked up at Authorize.Net by its
   * invoice number, and after which one not found there is known not to have happened. Longer
   * than the client's timeout. Default 2 minutes.
   */
  settleMs?: number;
}

const MINUTE = 60_000;
/**
 * The hold a charge extends the window to: the charge (the client's timeout) and the org write
 * after it (the gateway's worst case, as booking's holdMs) fit in it, so a slot paid for is not
 * lost while it is being confirmed.
 */
export const CHARGE_HOLD_MS = 5 * MINUTE;
/** The lease on writing a paid booking's appointment: longer than the org calls it makes. */
const CONFIRM_LEASE_MS = 4 * MINUTE;
/** The sweep finishes a paid booking the charging request left behind after this long. */
const ORPHAN_AFTER_MS = MINUTE;

/** The booking, as the payment page shows it. */
export interface DepositSummary {
  orgName: string;
  orgSlug: string;
  typeName: string;
  resourceName: string;
  start: string;
  timeZone: string;
  amountMinor: number;
  currency: string;
  captureAtBooking: boolean;
  cutoffHours: number;
  /** Until when the slot is held (ISO 8601). */
  heldUntil: string;
}

/** Why the payment step is over without a booking. */
export type ClosedReason = 'expired' | 'returned' | ConfirmFailure;

/** Where the payment step stands: what the page shows. */
export type PaymentStep =
  /** Pay (again): a fresh idempotency key per form; `declined` says why the last attempt failed. */
  | { kind: 'pay'; summary: DepositSummary; idempotencyKey: string; declined?: AuthNetErrorKind | 'held' }
  /** An attempt is out, or its answer was lost and is being looked up: look again shortly. */
  | { kind: 'checking'; summary: DepositSummary | undefined }
  | { kind: 'booked'; links: ManageLinks }
  | { kind: 'closed'; reason: ClosedReason; orgSlug: string | undefined };

/** What a manage page says about a booking's deposit. */
export interface DepositNote {
  amountMinor: number;
  currency: string;
  /** Money is held or taken for it now (so a cancellation gives it back). */
  held: boolean;
  /** Taken (not only reserved on the card). */
  captured: boolean;
  returned: boolean;
}

export type DepositService = ReturnType<typeof createDepositService>;

export function createDepositService(deps: DepositServiceDeps) {
  const settleMs = deps.settleMs ?? 2 * MINUTE;
  const store = () => deps.store();

  /** What booking `type` on the page costs up front, or null when it has no deposit. */
  function amountFor(
    type: Pick<PublicAppointmentType, 'deposit' | 'depositCapture'>,
  ): { amountMinor: number; currency: string } | null {
    const terms = depositTerms(type, deps.currency, 0);
    return terms && { amountMinor: terms.amountMinor, currency: terms.currency };
  }

  async function tokenFor(bookingId: string): Promise<string> {
    const expiresAt = Math.floor((deps.now().getTime() + deps.holdMs + PAYMENT_LINK_GRACE_MS) / 1000);
    return signPaymentToken(await deps.signingKey(), { bookingId, expiresAt });
  }

  async function links(row: BookingRow): Promise<ManageLinks> {
    const key = await deps.signingKey();
    const expiresAt = linkExpiry(row.end_at.getTime(), deps.now().getTime());
    const token = (purpose: ManagePurpose) =>
      signManageToken(key, { bookingId: row.id, purpose, expiresAt, linkVersion: row.link_version });
    return { cancelToken: token('cancel'), rescheduleToken: token('reschedule') };
  }

  async function summaryOf(deposit: DepositRow, booking: BookingRow): Promise<DepositSummary> {
    const schedule: OrgSchedule = await deps.schedule().schedule(deposit.org_id);
    const type = [...schedule.types, ...schedule.staffOnlyTypes].find((t) => t.id === booking.type_id);
    const [seat] = await store().query<{ expires_at: Date | null }>(
      `select max(expires_at) as expires_at from booking_seat where booking_id = $1 and state = 'held'`,
      [booking.id],
    );
    return {
      orgName: schedule.page.name,
      orgSlug: schedule.page.slug,
      typeName: type?.name ?? '',
      resourceName: schedule.resources.get(booking.resource_id)?.name ?? '',
      start: booking.start_at.toISOString(),
      timeZone: booking.time_zone,
      amountMinor: deposit.amount_minor,
      currency: deposit.currency,
      captureAtBooking: deposit.capture_at_booking,
      cutoffHours: deposit.cutoff_hours,
      heldUntil: (seat?.expires_at ?? deps.now()).toISOString(),
    };
  }

  const stale = (attempt: AttemptRow) => deps.now().getTime() - attempt.created_at.getTime() >= settleMs;

  /**
   * Settles an attempt whose answer was lost, from Authorize.Net's own record of its invoice
   * number: approved, declined, or (once `settleMs` has passed with nothing found) not charged.
   * False when it cannot be told yet.
   */
  async function reconcile(attempt: AttemptRow): Promise<boolean> {
    let found;
    try {
      found = await deps
        .client()
        .findByInvoiceNumber(attempt.invoice_number, new Date(attempt.created_at.getTime() - 5 * MINUTE));
    } catch (error) {
      deps.log.warn(
        { bookingId: attempt.booking_id, kind: error instanceof AuthNetError ? error.kind : 'unexpected' },
        'deposit: a charge without an answer could not be looked up yet',
      );
      return false;
    }
    const findings = found.map((transaction) => ({ transaction, finding: findingOf(transaction.status) }));
    const approved = findings.find(({ finding }) => finding === 'authorized' || finding === 'captured');
    const held = findings.find(({ finding }) => finding === 'held');
    const now = deps.now();
    if (approved) {
      await settleAttempt(store(), attempt, { state: 'approved', transId: approved.transaction.transId }, now);
    } else if (held) {
      await voidHeld(attempt.booking_id, held.transaction.transId);
      await settleAttempt(store(), attempt, { state: 'declined', reason: 'held' }, now);
    } else if (findings.length > 0) {
      await settleAttempt(store(), attempt, { state: 'declined', reason: 'declined' }, now);
    } else if (stale(attempt)) {
      await settleAttempt(store(), attempt, { state: 'not_charged' }, now);
    } else {
      return false;
    }
    deps.log.info({ bookingId: attempt.booking_id, found: findings.length }, 'deposit: a lost answer reconciled');
    return true;
  }

  /**
   * A charge held for review by Authorize.Net's fraud filters: the deposit cannot wait for a
   * review, so the transaction is voided and the patient asked for another card.
   */
  async function voidHeld(bookingId: string, transId: string): Promise<void> {
    try {
      await deps.client().void(transId);
    } catch (error) {
      deps.log.warn(
        { bookingId, kind: error instanceof AuthNetError ? error.kind : 'unexpected' },
        'deposit: a charge held for review could not be voided; it stays in the review queue',
      );
    }
  }

  /** The money of a booking that cannot stand goes back; the booking fails unless it was cancelled. */
  async function giveBackFor(bookingId: string, evenIfConfirmed = false): Promise<void> {
    const owed = await owe(store(), bookingId, deps.now(), evenIfConfirmed);
    if (owed) await giveBack(deps, owed);
  }

  /** Writes a paid booking's appointment, under the lease; undefined when another holds the lease. */
  async function finish(deposit: DepositRow): Promise<'confirmed' | ConfirmFailure | undefined> {
    if (!(await leaseConfirm(store(), deposit.booking_id, CONFIRM_LEASE_MS, deps.now()))) return undefined;
    const outcome = await confirmPaid(deps, deposit);
    if (outcome !== 'confirmed') await giveBackFor(deposit.booking_id);
    return outcome;
  }

  /**
   * Where the payment of `bookingId` stands, moving it on where it can (lost answers, paid
   * bookings). `attempt`: the one this request made or repeated, whose decline the page shows.
   */
  async function step(bookingId: string, attempt?: AttemptRow): Promise<PaymentStep> {
    let deposit = await depositOf(store(), bookingId);
    const booking = await bookingById(store(), bookingId);
    if (!deposit || !booking) {
      // Held a moment ago by a request still writing the deposit, or gone.
      return booking?.state === 'pending' ? { kind: 'checking', summary: undefined } : closed('expired', undefined);
    }
    if (deposit.state === 'charging') {
      const charging = await chargingAttempt(store(), bookingId);
      if (charging && stale(charging) && (await reconcile(charging))) deposit = (await depositOf(store(), bookingId))!;
    }
    const summary = await summaryOf(deposit, booking);
    switch (deposit.state) {
      case 'unpaid': {
        if (Date.parse(summary.heldUntil) <= deps.now().getTime()) {
          await expireLapsed(store(), deps.now());
          return closed('expired', summary.orgSlug);
        }
        const last = attempt ?? (await lastAttempt(store(), bookingId));
        return {
          kind: 'pay',
          summary,
          idempotencyKey: randomUUID(),
          ...(last?.state === 'declined' ? { declined: last.outcome as AuthNetErrorKind } : {}),
        };
      }
      case 'charging':
        return { kind: 'checking', summary };
      case 'authorized':
      case 'captured': {
        if (booking.state === 'confirmed' || booking.state === 'cancelled') {
          return booking.state === 'confirmed'
            ? { kind: 'booked', links: await links(booking) }
            : closed('returned', summary.orgSlug);
        }
        const outcome = await finish(deposit);
        if (outcome === undefined) return { kind: 'checking', summary };
        if (outcome !== 'confirmed') return closed(outcome, summary.orgSlug);
        return { kind: 'booked', links: await links((await bookingById(store(), bookingId))!) };
      }
      case 'return_due':
      case 'returned':
        return closed('returned', summary.orgSlug);
      case 'expired':
        return closed('expired', summary.orgSlug);
    }
  }

  function closed(reason: ClosedReason, orgSlug: string | undefined): PaymentStep {
    return { kind: 'closed', reason, orgSlug };
  }

  return {
    amountFor,

    /** Whether booking `type` on the page takes a deposit (a positive Deposit__c). */
    required: (type: Pick<PublicAppointmentType, 'deposit' | 'depositCapture'>) => amountFor(type) !== null,

    /**
     * The details step of a type with a deposit: holds the slot for the payment window and returns
     * the payment step's link. The same idempotency key again returns the same hold's link.
     */
    async hold(slug: string, input: BookingInput): Promise<{ token: string }> {
      const hold = await deps.booking().holdForPayment(slug, input, deps.holdMs);
      const { booking, type, schedule } = hold;
      // A repeat must be the same request: another booking's key is not a way to reach it.
      if (hold.replayed && (booking.type_id !== type.id || booking.start_at.getTime() !== Date.parse(input.start))) {
        throw new HttpProblem(
          409,
          'idempotency_key_reused',
          'This idempotency key was used for another booking',
          'Please start your booking again from the clinic’s booking page.',
        );
      }
      const terms = depositTerms(type, deps.currency, schedule.page.cancellationCutoffHours);
      if (!hold.replayed && booking.state === 'pending') {
        if (!terms) {
          // The deposit was removed between the page and this request: book it the usual way.
          await failBooking(store(), booking.id, deps.now());
          throw new HttpProblem(
            409,
            'deposit_changed',
            'This appointment’s deposit has changed',
            'Please start again.',
          );
        }
        await createDeposit(
          store(),
          deps.envelope,
          {
            bookingId: booking.id,
            orgId: schedule.orgId,
            terms,
            held: {
              patient: hold.patient,
              smsConsent: input.smsConsent,
              consentTextVersion: schedule.page.consentTextVersion,
            },
          },
          deps.now(),
        );
      }
      return { token: await tokenFor(booking.id) };
    },

    /** The payment step behind a payment link. */
    async page(token: string): Promise<PaymentStep> {
      return step(verifyPaymentToken(await deps.signingKey(), token, deps.now()));
    },

    /**
     * Charges the deposit with an AcceptUI nonce. The same idempotency key again answers the first
     * attempt's outcome; a second attempt while one is out waits for it; nothing is charged once
     * the window has run out or the deposit is paid.
     */
    async pay(token: string, idempotencyKey: string, nonce: string): Promise<PaymentStep> {
      const bookingId = verifyPaymentToken(await deps.signingKey(), token, deps.now());
      const claimNow = () => claimCharge(store(), bookingId, idempotencyKey, CHARGE_HOLD_MS, deps.now());
      let claim = await claimNow();
      // An attempt that died without an answer is settled before anything new is charged.
      if (claim.kind === 'busy' && claim.attempt && stale(claim.attempt) && (await reconcile(claim.attempt))) {
        claim = await claimNow();
      }
      if (claim.kind !== 'charge') return step(bookingId, claim.kind === 'replay' ? claim.attempt : undefined);
      const { deposit, attempt } = claim;
      const booking = (await bookingById(store(), bookingId))!;
      const typeName = (await summaryOf(deposit, booking)).typeName;
      try {
        const charged = await deps.client().chargeNonce({
          nonce,
          amountMinor: deposit.amount_minor,
          currency: deposit.currency,
          invoiceNumber: attempt.invoice_number,
          description: `Deposit: ${typeName}`,
          capture: deposit.capture_at_booking,
        });
        await settleAttempt(store(), attempt, { state: 'approved', transId: charged.transId }, deps.now());
      } catch (error) {
        if (error instanceof AuthNetError && error.kind !== 'ambiguous') {
          if (error.kind === 'held' && error.transId) await voidHeld(bookingId, error.transId);
          const outcome = {
            state: 'declined' as const,
            reason: error.kind,
            ...(error.transId ? { transId: error.transId } : {}),
          };
          await settleAttempt(store(), attempt, outcome, deps.now());
        } else {
          // The charge may have gone through: look it up before the patient is told anything.
          deps.log.warn(
            {
              bookingId,
              kind: error instanceof AuthNetError ? error.kind : 'unexpected',
              err: error instanceof AuthNetError ? undefined : error,
            },
            'deposit: no answer to a charge; looking it up by invoice number',
          );
          await reconcile(attempt);
        }
      }
      return step(bookingId, (await attemptByInvoice(store(), attempt.invoice_number))!);
    },

    /** What a manage page says about a booking's deposit; undefined when it had none. */
    async note(bookingKey: string): Promise<DepositNote | undefined> {
      const deposit = await depositByBookingKey(store(), bookingKey);
      if (!deposit || deposit.state === 'expired' || deposit.state === 'unpaid' || deposit.state === 'charging')
        return undefined;
      return {
        amountMinor: deposit.amount_minor,
        currency: deposit.currency,
        held: deposit.state === 'authorized' || deposit.state === 'captured',
        captured: deposit.state === 'captured',
        returned: deposit.state === 'return_due' || deposit.state === 'returned',
      };
    },

    /**
     * A booking was cancelled on its manage page (only possible before the cutoff: within policy):
     * its deposit goes back in full. Whatever fails here, the sweep finishes.
     */
    async cancelled(bookingKey: string): Promise<void> {
      const deposit = await depositByBookingKey(store(), bookingKey);
      if (deposit?.booking_state === 'cancelled') await giveBackFor(deposit.booking_id);
    },

    /**
     * Authorize.Net's webhooks: a charge whose answer was lost is settled by its creation event; a
     * void, refund or capture done in the Merchant Interface updates the deposit and the appointment.
     */
    async onTransactionEvent(event: AnetWebhookEvent): Promise<void> {
      const { payload } = event;
      if (payload.entityName !== 'transaction') return;
      const now = deps.now();
      switch (event.eventType) {
        case 'net.authorize.payment.authcapture.created':
        case 'net.authorize.payment.authorization.created': {
          const attempt = payload.invoiceNumber ? await attemptByInvoice(store(), payload.invoiceNumber) : undefined;
          if (attempt?.state === 'charging' && payload.responseCode === 1) {
            await settleAttempt(store(), attempt, { state: 'approved', transId: payload.id }, now);
          }
          return;
        }
        case 'net.authorize.payment.priorAuthCapture.created': {
          const deposit = await depositByTransaction(store(), payload.id);
          if (deposit && (await moveDeposit(store(), deposit.booking_id, ['authorized'], 'captured', now))) {
            await recordInOrg(deps, deposit, 'Paid');
          }
          return;
        }
        case 'net.authorize.payment.void.created':
        case 'net.authorize.payment.refund.created': {
          // A refund is a transaction of its own that names the one it refunds.
          const original =
            event.eventType === 'net.authorize.payment.void.created'
              ? payload.id
              : (await deps.client().getTransactionDetails(payload.id)).refTransId;
          const deposit = original ? await depositByTransaction(store(), original) : undefined;
          const from = ['authorized', 'captured', 'return_due'] as const;
          if (deposit && (await moveDeposit(store(), deposit.booking_id, from, 'returned', now))) {
            deps.log.info({ bookingId: deposit.booking_id }, 'deposit given back at Authorize.Net');
            await recordInOrg(deps, deposit, 'Refunded');
          }
          return;
        }
      }
    },

    /**
     * What nothing else finishes: windows that ran out, charges without an answer, paid bookings
     * the charging request left behind, money to give back, authorizations due for capture.
     */
    async sweep(): Promise<{
      expired: number;
      reconciled: number;
      finished: number;
      returned: number;
      captured: number;
    }> {
      const now = deps.now();
      const result = { expired: 0, reconciled: 0, finished: 0, returned: 0, captured: 0 };
      result.expired = await expireLapsed(store(), now);
      for (const attempt of await staleAttempts(store(), new Date(now.getTime() - settleMs))) {
        if (await reconcile(attempt)) result.reconciled++;
      }
      for (const deposit of await unconfirmedApprovals(store(), new Date(now.getTime() - ORPHAN_AFTER_MS), now)) {
        if ((await finish(deposit)) !== undefined) result.finished++;
      }
      for (const bookingId of await owedDeposits(store())) {
        const owed = await owe(store(), bookingId, deps.now());
        if (owed && (await giveBack(deps, owed))) result.returned++;
      }
      for (const deposit of await authorizedDeposits(store())) {
        if (captureDueAt(deposit.start_at, deposit.cutoff_hours, deposit.approved_at!) > deps.now()) continue;
        const status = await appointmentStatus(deposit.org_id, deposit.booking_key);
        if (status === undefined) continue;
        if (status === 'Cancelled') {
          // Cancelled in the org before its cutoff: within policy, the authorization is released.
          await giveBackFor(deposit.booking_id, true);
          result.returned++;
        } else if (await capture(deps, deposit)) result.captured++;
      }
      return result;
    },
  };

  /** The appointment's Status__c in the org (staff may have cancelled it there); undefined when unknown now. */
  async function appointmentStatus(orgId: string, bookingKey: string): Promise<string | undefined> {
    try {
      const [row] = await deps
        .orgApi()
        .query<{ Id: string; Status__c: string | null }>(
          orgId,
          soql`SELECT Id, Status__c FROM Slotwise_Appointment__c WHERE Booking_Key__c = ${bookingKey} LIMIT 1`,
        );
      // Deleted in the org: as good as cancelled.
      return row ? (row.Status__c ?? 'Scheduled') : 'Cancelled';
    } catch (error) {
      deps.log.warn({ orgId, err: error }, 'deposit: the appointment could not be read; capture waits');
      return undefined;
    }
  }
}
