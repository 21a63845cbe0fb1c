// The rules of a deposit, without I/O: what is charged (from the type, never from the client), how
// (Deposit_Capture__c), when an authorization is captured, what a cancellation gives back, the
// invoice number a charge carries, and what Authorize.Net's transaction statuses mean for us.
import { createHash } from 'node:crypto';
import { decimalToMinor } from '../payments/authnet/amount.ts';
import type { PublicAppointmentType } from '../schedule/types.ts';

/** Currencies Deposit__c may be in (DEPOSIT_CURRENCY): Authorize.Net's, all with two decimals. */
export const DEPOSIT_CURRENCIES = ['USD', 'CAD', 'GBP', 'EUR', 'AUD', 'NZD'] as const;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/**
 * Authorize.Net captures an authorization for up to 30 days; one not captured by then expires and
 * the money is lost to the clinic. An authorization still open after this long is captured anyway.
 */
export const LONGEST_AUTHORIZATION_MS = 29 * DAY;

export interface DepositTerms {
  amountMinor: number;
  currency: string;
  /** true: charged when booked (authCaptureTransaction); false: authorized then, captured at the cutoff. */
  captureAtBooking: boolean;
  /** Cancelling online before this many hours ahead refunds in full (the page's cancellation cutoff). */
  cutoffHours: number;
}

/**
 * What a patient booking `type` on the page pays, or null when nothing: Deposit__c of 0 or less, or
 * empty. Deposit__c has two decimals; the amount is taken in whole minor units.
 */
export function depositTerms(
  type: Pick<PublicAppointmentType, 'deposit' | 'depositCapture'>,
  currency: string,
  cutoffHours: number,
): DepositTerms | null {
  if (type.deposit === null || !(type.deposit > 0)) return null;
  const amountMinor = decimalToMinor(type.deposit.toFixed(2));
  if (amountMinor === null || amountMinor <= 0) return null;
  return { amountMinor, currency, captureAtBooking: type.depositCapture !== 'authorize', cutoffHours };
}

/**
 * When an authorized deposit is captured: at the cancellation cutoff (from then on a cancellation
 * no longer refunds it, so the money is due), or before the authorization would expire.
 */
export function captureDueAt(startAt: Date, cutoffHours: number, authorizedAt: Date): Date {
  return new Date(Math.min(startAt.getTime() - cutoffHours * HOUR, authorizedAt.getTime() + LONGEST_AUTHORIZATION_MS));
}

/** Whether a cancellation at `at` is within policy (before the cutoff): the deposit goes back in full. */
export function refundable(startAt: Date, cutoffHours: number, at: Date): boolean {
  return at.getTime() < startAt.getTime() - cutoffHours * HOUR;
}

/**
 * The invoice number a charge attempt carries: derived from the booking and the attempt's
 * idempotency key, so a charge whose answer was lost can be found again at Authorize.Net by it.
 * 'D' and 19 hex digits: within Authorize.Net's 20 characters.
 */
export function invoiceNumberOf(bookingId: string, idempotencyKey: string): string {
  return `D${createHash('sha256').update(`${bookingId}:${idempotencyKey}`).digest('hex').slice(0, 19)}`;
}

/** What one Authorize.Net transaction status says about a charge we sent. */
export type ChargeFinding = 'authorized' | 'captured' | 'held' | 'returned' | 'failed';

/**
 * Authorize.Net's transactionStatus values (getTransactionDetails, the unsettled list) as what they
 * mean for a deposit: money reserved, money taken, under review, given back, or nothing at all.
 */
export function findingOf(status: string): ChargeFinding {
  switch (status) {
    case 'authorizedPendingCapture':
      return 'authorized';
    case 'capturedPendingSettlement':
    case 'settledSuccessfully':
      return 'captured';
    case 'FDSPendingReview':
    case 'FDSAuthorizedPendingReview':
    case 'underReview':
      return 'held';
    case 'voided':
    case 'refundSettledSuccessfully':
    case 'refundPendingSettlement':
      return 'returned';
    default:
      // declined, expired, generalError, failedReview, couldNotVoid, communicationError, …
      return 'failed';
  }
}

/** How money taken for a deposit goes back: an unsettled transaction is voided, a settled one refunded. */
export function returnMethod(status: string): 'void' | 'refund' | 'done' | 'none' {
  switch (status) {
    case 'authorizedPendingCapture':
    case 'capturedPendingSettlement':
    case 'FDSPendingReview':
    case 'FDSAuthorizedPendingReview':
      return 'void';
    case 'settledSuccessfully':
      return 'refund';
    case 'voided':
    case 'refundSettledSuccessfully':
    case 'refundPendingSettlement':
      return 'done';
    default:
      // Declined, expired or failed: no money was taken.
      return 'none';
  }
}
