// Deposits on PGlite and PostgreSQL, over the real booking service and the Authorize.Net stand-in:
// 20 requests at once with one idempotency key (and 20 with 20 keys) charge once; a window that ran
// out charges nothing and frees the slot; the deposit is given back when the booking is cancelled
// within policy, and kept after the cutoff.
import t from 'tap';
import { HttpProblem } from '../../service/src/problem.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';
import {
  AUTH_TYPE,
  bookingState,
  depositHarness,
  depositRow,
  HOLD_MS,
  MINUTE,
  SLOT,
  SLUG,
  ZONE,
} from './deposit-helpers.ts';

async function problemOf(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

for (const backend of BACKENDS) {
  t.test(`one charge on ${backend}: 20 requests with one key, then 20 with their own keys`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const token = await h.hold();
    t.equal(await bookingState(store), 'pending', 'held, not booked');
    t.equal(h.org.appointments.size, 0, 'nothing in the org before payment');
    const row = await depositRow(store);
    t.match(row, { state: 'unpaid', amount_minor: 2000 });
    t.notOk(row!.patient_ciphertext!.toString('latin1').includes('Jane'), 'the patient’s details stored encrypted');

    const nonce = h.nonce();
    const steps = await Promise.all(
      Array.from({ length: 20 }, () => h.deposits.pay(token, 'pay-key-0000000000000001', nonce)),
    );
    t.equal(h.charges(), 1, 'one charge sent to Authorize.Net');
    t.equal(h.standin.transactions().length, 1, 'one transaction');
    t.ok(
      steps.every((step) => step.kind === 'booked' || step.kind === 'checking'),
      'each request says booked, or that it is being checked',
    );
    t.equal((await h.deposits.page(token)).kind, 'booked');
    t.equal(await bookingState(store), 'confirmed');
    const [appointment] = [...h.org.appointments.values()];
    t.match(appointment, {
      Status__c: 'Scheduled',
      Payment_Status__c: 'Paid',
      Payment_Reference__c: h.standin.transactions()[0]!.transId,
      Patient_Name__c: 'Jane Doe',
    });
    t.match(await depositRow(store), { state: 'captured', patient_ciphertext: null }, 'details deleted once written');

    // Another slot: 20 attempts with 20 keys and 20 nonces (double clicks in many tabs).
    const other = await h.hold(new Date(Date.parse(SLOT) + 2 * 60 * MINUTE).toISOString());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.deposits.pay(other, `pay-key-1${String(i).padStart(15, '0')}`, h.nonce())),
    );
    t.equal(h.charges(), 2, 'one more charge, not twenty');
    t.equal((await h.deposits.page(other)).kind, 'booked');
    // Paid: a further attempt is answered without a charge.
    t.equal((await h.deposits.pay(other, 'pay-key-2000000000000000', h.nonce())).kind, 'booked');
    t.equal(h.charges(), 2);
  });

  t.test(`the window on ${backend}: nothing charged after it, the slot freed, the details deleted`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const token = await h.hold();
    const step = await h.deposits.page(token);
    t.match(step, { kind: 'pay', summary: { amountMinor: 2000, currency: 'USD', captureAtBooking: true } });
    if (step.kind === 'pay') {
      t.equal(Date.parse(step.summary.heldUntil), h.clock.now().getTime() + HOLD_MS, 'held for the window');
    }
    // Nobody else can have the time meanwhile.
    t.same(await problemOf(h.hold()), { status: 409, code: 'slot_unavailable' });

    h.clock.advance(HOLD_MS + 1000);
    t.match(await h.deposits.pay(token, 'pay-key-late-000000001', h.nonce()), { kind: 'closed', reason: 'expired' });
    t.equal(h.charges(), 0, 'a late payment is refused before any charge');
    t.match(await depositRow(store), { state: 'expired', patient_ciphertext: null });
    t.equal(await bookingState(store), 'failed');
    // The slot is free again.
    await h.hold();
    t.equal(await bookingState(store), 'pending');

    // The sweep closes windows nobody came back to.
    h.clock.advance(HOLD_MS + 1000);
    t.match(await h.deposits.sweep(), { expired: 1 });
    const [{ n }] = (await store.query<{ n: number }>(
      `select count(*)::int as n from deposit where state = 'expired' and patient_ciphertext is null`,
    )) as [{ n: number }];
    t.equal(n, 2);
  });

  t.test(
    `cancelled within policy on ${backend}: given back (void, then refund once settled); not after the cutoff`,
    async (t) => {
      const store = await freshStore(t, backend);
      if (!store) return;
      const h = await depositHarness(t, store);
      const cancelToken = async (token: string) => {
        const step = await h.deposits.pay(token, `pay-key-${token.slice(0, 12)}-x`, h.nonce());
        if (step.kind !== 'booked') throw new Error(`not booked: ${JSON.stringify(step)}`);
        return step.links.cancelToken;
      };

      // Captured, not yet settled: voided.
      const first = await cancelToken(await h.hold());
      const view = await h.booking.get(first);
      t.match(await h.deposits.note(view.booking.bookingKey), { amountMinor: 2000, held: true, returned: false });
      await h.booking.cancel(first);
      await h.deposits.cancelled(view.booking.bookingKey);
      t.equal(h.standin.transactions()[0]!.status, 'voided');
      t.match(await h.deposits.note(view.booking.bookingKey), { held: false, returned: true });
      await h.deliver();
      t.match(h.org.updates.at(-1), { fields: { Payment_Status__c: 'Refunded' } }, 'the org is told');

      // Captured and settled: refunded in full.
      const second = await cancelToken(await h.hold(new Date(Date.parse(SLOT) + 60 * MINUTE).toISOString()));
      h.standin.settle();
      await h.booking.cancel(second);
      await h.deposits.cancelled((await h.booking.get(second)).booking.bookingKey);
      const refund = h.standin.transactions().find((tx) => tx.type === 'refundTransaction');
      t.match(refund, { authAmountMinor: 2000, refTransId: h.standin.transactions()[1]!.transId });

      // Cancelled through the public API (no page to call back): the sweep gives it back.
      const viaApi = await cancelToken(await h.hold(new Date(Date.parse(SLOT) + 3 * 60 * MINUTE).toISOString()));
      await h.booking.cancel(viaApi);
      t.match(await h.deposits.sweep(), { returned: 1 });
      t.equal(h.standin.transactions().at(-1)!.status, 'voided');

      // After the cutoff nothing can be cancelled online, so nothing is given back.
      const thirdStart = Date.parse(SLOT) + 2 * 60 * MINUTE;
      const third = await cancelToken(await h.hold(new Date(thirdStart).toISOString()));
      h.clock.advance(thirdStart - h.clock.now().getTime() - 23 * 60 * MINUTE);
      t.same(await problemOf(h.booking.cancel(third)), { status: 409, code: 'past_cutoff' });
      t.match(await h.deposits.sweep(), { returned: 0 });
      t.equal(
        h.standin.transactions().findLast((tx) => tx.type === 'authCaptureTransaction')!.status,
        'capturedPendingSettlement',
        'the deposit is kept',
      );
    },
  );

  t.test(`authorize then capture on ${backend}: captured at the cutoff, released if cancelled before`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const pay = async (start: string) => {
      const step = await h.deposits.pay(await h.hold(start, AUTH_TYPE), `pay-key-${start}`, h.nonce());
      if (step.kind !== 'booked') throw new Error(`not booked: ${JSON.stringify(step)}`);
      return step.links.cancelToken;
    };
    const kept = await pay(SLOT);
    const later = new Date(Date.parse(SLOT) + 60 * MINUTE).toISOString();
    const cancelled = await pay(later);
    t.same(
      h.standin.transactions().map((tx) => tx.status),
      ['authorizedPendingCapture', 'authorizedPendingCapture'],
      'only authorized when booked',
    );
    t.match([...h.org.appointments.values()][0], { Payment_Status__c: 'Authorized' });

    // Staff cancel the second one in Salesforce.
    const key = (await h.booking.get(cancelled)).booking.bookingKey;
    h.org.appointments.get(key)!.Status__c = 'Cancelled';
    t.match(await h.deposits.sweep(), { captured: 0, returned: 0 }, 'not due yet');
    h.clock.advance(Date.parse(later) - h.clock.now().getTime() - 24 * 60 * MINUTE);
    t.match(await h.deposits.sweep(), { captured: 1, returned: 1 });
    t.same(
      h.standin.transactions().map((tx) => tx.status),
      ['capturedPendingSettlement', 'voided'],
      'captured at the cutoff; the one cancelled in the org released',
    );
    await h.deliver();
    const keptKey = (await h.booking.get(kept)).booking.bookingKey;
    t.equal(h.org.appointments.get(keptKey)!.Payment_Status__c, 'Paid');
    t.equal(h.org.appointments.get(key)!.Payment_Status__c, 'Refunded');
    t.match(await h.deposits.sweep(), { captured: 0, returned: 0 }, 'each once');
  });

  t.test(
    `the details step on ${backend}: the same key holds once; the public API refuses a deposit type`,
    async (t) => {
      const store = await freshStore(t, backend);
      if (!store) return;
      const h = await depositHarness(t, store);
      const [a, b] = await Promise.all([
        h.hold(SLOT, undefined, 'same-details-key-0001'),
        h.hold(SLOT, undefined, 'same-details-key-0001'),
      ]);
      t.equal(a, b, 'one hold, one payment link');
      t.same(
        await problemOf(
          h.hold(new Date(Date.parse(SLOT) + 60 * MINUTE).toISOString(), undefined, 'same-details-key-0001'),
        ),
        {
          status: 409,
          code: 'idempotency_key_reused',
        },
      );
      const input = {
        typeId: h.clinic.schedule_.types[0]!.id,
        start: SLOT,
        timeZone: ZONE,
        name: 'Jane Doe',
        phone: '07400 654321',
        smsConsent: true,
        locale: 'en-GB',
        idempotencyKey: 'api-key-00000000001',
      };
      t.same(await problemOf(h.booking.book(SLUG, input)), { status: 409, code: 'deposit_required' });
    },
  );
}
