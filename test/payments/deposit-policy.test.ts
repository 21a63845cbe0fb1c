// The deposit's pure rules and its payment link: what is charged and how, when an authorization is
// captured, what is refundable, invoice numbers, Authorize.Net's statuses; links that cannot be
// altered, outlive their day, or pass for a manage link (nor a manage link for them).
import t from 'tap';
import { signManageToken, verifyManageToken } from '../../service/src/booking/manage-token.ts';
import {
  captureDueAt,
  DEPOSIT_CURRENCIES,
  depositTerms,
  findingOf,
  invoiceNumberOf,
  LONGEST_AUTHORIZATION_MS,
  refundable,
  returnMethod,
} from '../../service/src/deposits/policy.ts';
import { signPaymentToken, verifyPaymentToken } from '../../service/src/deposits/token.ts';
import { assertSupportedCurrency } from '../../service/src/payments/authnet/amount.ts';
import { HttpProblem } from '../../service/src/problem.ts';

const HOUR = 3600_000;

t.test('terms come from the type: amount in minor units, capture mode, nothing for no deposit', async (t) => {
  t.same(depositTerms({ deposit: 20, depositCapture: 'at_booking' }, 'USD', 24), {
    amountMinor: 2000,
    currency: 'USD',
    captureAtBooking: true,
    cutoffHours: 24,
  });
  t.match(depositTerms({ deposit: 20.5, depositCapture: 'authorize' }, 'GBP', 48), {
    amountMinor: 2050,
    captureAtBooking: false,
  });
  t.equal(depositTerms({ deposit: 0.1 }, 'USD', 0)!.amountMinor, 10, 'no float error');
  t.equal(depositTerms({ deposit: 19.99 }, 'USD', 0)!.amountMinor, 1999);
  t.ok(depositTerms({ deposit: 5 }, 'USD', 0)!.captureAtBooking, 'no mode set: charged at booking');
  for (const none of [null, 0, -5]) t.equal(depositTerms({ deposit: none }, 'USD', 24), null, `${none}: no deposit`);
  for (const currency of DEPOSIT_CURRENCIES) t.doesNotThrow(() => assertSupportedCurrency(currency), currency);
});

t.test('an authorization is captured at the cutoff, or before it would expire', async (t) => {
  const start = new Date('2026-03-12T10:00:00Z');
  const authorized = new Date('2026-03-02T12:00:00Z');
  t.same(captureDueAt(start, 24, authorized), new Date('2026-03-11T10:00:00Z'));
  t.same(captureDueAt(start, 0, authorized), start);
  const far = new Date('2026-06-01T10:00:00Z');
  t.same(captureDueAt(far, 24, authorized), new Date(authorized.getTime() + LONGEST_AUTHORIZATION_MS));
  t.ok(refundable(start, 24, new Date(start.getTime() - 25 * HOUR)), 'before the cutoff');
  t.notOk(refundable(start, 24, new Date(start.getTime() - 24 * HOUR)), 'at the cutoff');
  t.notOk(refundable(start, 24, new Date(start.getTime() - HOUR)), 'after it');
});

t.test('invoice numbers: 20 characters at most, one per booking and key, the same again', async (t) => {
  const booking = '0b9c3f3e-1d2a-4f5b-8c6d-7e8f9a0b1c2d';
  const invoice = invoiceNumberOf(booking, 'key-1');
  t.match(invoice, /^D[0-9a-f]{19}$/);
  t.equal(invoiceNumberOf(booking, 'key-1'), invoice);
  t.not(invoiceNumberOf(booking, 'key-2'), invoice);
  t.not(invoiceNumberOf('0b9c3f3e-1d2a-4f5b-8c6d-7e8f9a0b1c2e', 'key-1'), invoice);
});

t.test("Authorize.Net's statuses: what was found, and how money goes back", async (t) => {
  t.equal(findingOf('authorizedPendingCapture'), 'authorized');
  t.equal(findingOf('capturedPendingSettlement'), 'captured');
  t.equal(findingOf('settledSuccessfully'), 'captured');
  t.equal(findingOf('FDSPendingReview'), 'held');
  t.equal(findingOf('voided'), 'returned');
  t.equal(findingOf('declined'), 'failed');
  t.equal(returnMethod('authorizedPendingCapture'), 'void');
  t.equal(returnMethod('capturedPendingSettlement'), 'void', 'not settled yet: voided, never refunded');
  t.equal(returnMethod('settledSuccessfully'), 'refund');
  t.equal(returnMethod('voided'), 'done');
  t.equal(returnMethod('declined'), 'none');
});

t.test('payment links: genuine, unaltered, unexpired, and never a manage link', async (t) => {
  const key = Buffer.alloc(32, 3);
  const bookingId = '0b9c3f3e-1d2a-4f5b-8c6d-7e8f9a0b1c2d';
  const now = new Date('2026-03-02T12:00:00Z');
  const expiresAt = Math.floor(now.getTime() / 1000) + 600;
  const token = signPaymentToken(key, { bookingId, expiresAt });
  t.match(token, /^[A-Za-z0-9_-]{48}$/);
  t.equal(verifyPaymentToken(key, token, now), bookingId);
  const refused = (token: string, at = now, signingKey = key) => {
    try {
      verifyPaymentToken(signingKey, token, at);
    } catch (error) {
      return error instanceof HttpProblem ? `${error.status} ${error.code}` : 'other';
    }
    return 'accepted';
  };
  for (let i = 0; i < token.length; i += 7) {
    const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    t.equal(refused(altered), '403 invalid_token', `character ${i} altered`);
  }
  t.equal(refused(token.slice(0, 47)), '403 invalid_token', 'truncated');
  t.equal(refused(token, now, Buffer.alloc(32, 4)), '403 invalid_token', 'another key');
  t.equal(refused(token, new Date((expiresAt + 1) * 1000)), '410 expired_token');

  const manage = signManageToken(key, { bookingId, purpose: 'cancel', expiresAt, linkVersion: 1 });
  t.equal(refused(manage), '403 invalid_token', 'a manage link is not a payment link');
  t.throws(() => verifyManageToken(key, token), 'a payment link is not a manage link');
});
