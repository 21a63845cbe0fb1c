// Paying a deposit when things go wrong, on PGlite and PostgreSQL with the Authorize.Net stand-in:
// declines and a charge held for review (the patient tries again), a nonce used twice, Authorize.Net
// slow or unreachable mid-charge and a crash after the charge (settled by invoice number, never
// charged twice), the org taking the time after payment (the money goes back), links tampered with
// or expired, the amount fixed when the slot was held, and webhooks for changes made at Authorize.Net.
import t from 'tap';
import { HttpProblem } from '../../service/src/problem.ts';
import { claimCharge } from '../../service/src/deposits/store.ts';
import { TEST_TRIGGERS } from '../../service/src/payments/authnet/standin/cards.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';
import { bookingState, depositHarness, depositRow, GOOD_CARD, HOLD_MS, MINUTE, SLOT } from './deposit-helpers.ts';

async function problemOf(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

const later = (hours: number) => new Date(Date.parse(SLOT) + hours * 60 * MINUTE).toISOString();

for (const backend of BACKENDS) {
  t.test(`declines on ${backend}: said plainly, tried again within the window, then paid`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const token = await h.hold();
    const tries: [Partial<typeof GOOD_CARD>, string][] = [
      [{ zip: TEST_TRIGGERS.declineZip }, 'declined'],
      [{ cardCode: TEST_TRIGGERS.cvvMismatchCode }, 'cvv_mismatch'],
      [{ zip: TEST_TRIGGERS.avsMismatchZip }, 'avs_mismatch'],
      [{ expirationDate: '01/20' }, 'expired_card'],
      [{ zip: TEST_TRIGGERS.heldZip }, 'held'],
    ];
    for (const [change, declined] of tries) {
      const step = await h.deposits.pay(token, `pay-key-${declined}-0000000`, h.nonce({ ...GOOD_CARD, ...change }));
      t.match(step, { kind: 'pay', declined }, declined);
      t.equal((await depositRow(store))!.state, 'unpaid');
    }
    const held = h.standin.transactions().find((tx) => tx.status === 'voided' || tx.status === 'FDSPendingReview');
    t.equal(held?.status, 'voided', 'a charge held for review is voided, not left waiting');
    // The same key again answers the same decline, without a charge.
    const before = h.charges();
    t.match(await h.deposits.pay(token, 'pay-key-declined-0000000', h.nonce()), { kind: 'pay', declined: 'declined' });
    t.equal(h.charges(), before);

    const used = h.nonce();
    t.match(await h.deposits.pay(token, 'pay-key-good-00000000001', used), { kind: 'booked' });
    t.equal(await bookingState(store), 'confirmed');
    // A nonce is single use: replayed for another booking, Authorize.Net refuses it.
    const other = await h.hold(later(1));
    t.match(await h.deposits.pay(other, 'pay-key-replay-000000001', used), {
      kind: 'pay',
      declined: 'invalid_payment',
    });
    t.notOk(
      h.logs.some((line) => line.includes(used) || line.includes('4111')),
      'no nonce or card number in the log',
    );
  });

  t.test(`Authorize.Net slow or unreachable mid-charge on ${backend}: looked up, never charged twice`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store, { timeoutMs: 400 });

    // Slow: the charge went through but its answer came after the timeout; found by invoice number.
    const slow = await h.hold();
    h.standin.injectFault({ kind: 'slow', delayMs: 1500 });
    t.match(await h.deposits.pay(slow, 'pay-key-slow-0000000001', h.nonce()), { kind: 'booked' });
    t.equal(h.standin.transactions().length, 1);

    // Unreachable: nothing went through, and nothing is found; the patient waits, then may pay again.
    const lost = await h.hold(later(1));
    h.standin.injectFault({ kind: 'unreachable' });
    t.match(await h.deposits.pay(lost, 'pay-key-lost-0000000001', h.nonce()), { kind: 'checking' });
    t.match(
      await h.deposits.pay(lost, 'pay-key-lost-0000000002', h.nonce()),
      { kind: 'checking' },
      'no second charge while unsure',
    );
    t.equal(h.charges(), 1, 'the dropped charge never arrived; the second was not sent');
    h.clock.advance(2 * MINUTE);
    t.match(await h.deposits.page(lost), { kind: 'pay' }, 'not found once the answer cannot come any more');
    t.match(await h.deposits.pay(lost, 'pay-key-lost-0000000003', h.nonce()), { kind: 'booked' });
    t.equal(h.standin.transactions().length, 2, 'one transaction per booking');

    // A crash between the charge and our write: the next attempt finds the charge instead of making another.
    const crashed = await h.hold(later(2));
    const bookingId = (await store.query<{ id: string }>(`select id from booking where state = 'pending'`))[0]!.id;
    const claim = await claimCharge(store, bookingId, 'pay-key-crash-000000001', 5 * MINUTE, h.clock.now());
    if (claim.kind !== 'charge') throw new Error('no claim');
    const { createAuthNetClient } = await import('../../service/src/payments/authnet/client.ts');
    await createAuthNetClient({
      apiLoginId: 'standin-login',
      transactionKey: 'standinTxKey1234',
      endpoint: h.standin.endpoint,
      timeoutMs: 2000,
    }).chargeNonce({
      nonce: h.nonce(),
      amountMinor: 2000,
      currency: 'USD',
      invoiceNumber: claim.attempt.invoice_number,
      description: 'Deposit',
      capture: true,
    });
    h.clock.advance(2 * MINUTE);
    const charges = h.charges();
    t.match(await h.deposits.pay(crashed, 'pay-key-crash-000000002', h.nonce()), { kind: 'booked' });
    t.equal(h.charges(), charges, 'reconciled, not charged again');
    t.equal(h.standin.transactions().length, 3);
  });

  t.test(`after payment on ${backend}: the org has the time, or cannot be reached: the money goes back`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const token = await h.hold();
    h.org.taken = true;
    t.match(await h.deposits.pay(token, 'pay-key-taken-000000001', h.nonce()), { kind: 'closed', reason: 'taken' });
    t.equal(h.standin.transactions()[0]!.status, 'voided');
    t.match(await depositRow(store), { state: 'returned', patient_ciphertext: null });
    t.equal(await bookingState(store), 'failed');
    t.equal(h.org.appointments.size, 0);
    t.match(await h.deposits.page(token), { kind: 'closed', reason: 'returned' });

    h.org.taken = false;
    const down = await h.hold(later(1));
    h.org.down = true;
    t.match(await h.deposits.pay(down, 'pay-key-down-0000000001', h.nonce()), {
      kind: 'closed',
      reason: 'org_unavailable',
    });
    t.equal(h.standin.transactions()[1]!.status, 'voided');

    // Authorize.Net down too: the money is owed until the sweep can give it back.
    h.org.down = false;
    const both = await h.hold(later(2));
    h.org.taken = true;
    // The charge answers; the look at the transaction before voiding it does not.
    h.standin.injectFault({ kind: 'slow', delayMs: 1 }, { kind: 'unreachable' });
    const step = await h.deposits.pay(both, 'pay-key-both-0000000001', h.nonce());
    t.match(step, { kind: 'closed', reason: 'taken' });
    t.equal((await depositRow(store))!.state, 'return_due');
    t.match(await h.deposits.sweep(), { returned: 1 });
    t.equal(h.standin.transactions()[2]!.status, 'voided');
  });

  t.test(`links and amounts on ${backend}: tampered or expired links refused, the amount the one held`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const token = await h.hold();
    const tampered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    t.same(await problemOf(h.deposits.page(tampered)), { status: 403, code: 'invalid_token' });
    t.same(await problemOf(h.deposits.pay(tampered, 'pay-key-tamper-00000001', h.nonce())), {
      status: 403,
      code: 'invalid_token',
    });
    t.same(await problemOf(h.deposits.page('not-a-token')), { status: 403, code: 'invalid_token' });
    t.equal(h.charges(), 0);

    // The clinic raises the deposit while the patient pays: they pay what they were shown.
    h.clinic.schedule_.types[0]!.deposit = 99;
    t.match(await h.deposits.pay(token, 'pay-key-amount-00000001', h.nonce()), { kind: 'booked' });
    t.equal(h.standin.transactions()[0]!.authAmountMinor, 2000);

    h.clock.advance(HOLD_MS + 25 * 60 * MINUTE);
    t.same(await problemOf(h.deposits.page(token)), { status: 410, code: 'expired_token' });
  });

  t.test(`webhooks on ${backend}: a void or refund at Authorize.Net, and a lost answer's charge`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const h = await depositHarness(t, store);
    const event = (eventType: string, payload: Record<string, unknown>) => ({
      notificationId: `n-${Math.random()}`,
      eventType,
      eventDate: new Date().toISOString(),
      webhookId: 'w',
      payload: { entityName: 'transaction', ...payload } as { entityName: string; id: string },
    });
    const paid = await h.deposits.pay(await h.hold(), 'pay-key-hook-0000000001', h.nonce());
    if (paid.kind !== 'booked') throw new Error('not booked');
    const transId = h.standin.transactions()[0]!.transId;
    // The clinic voids it in the Merchant Interface.
    await h.deposits.onTransactionEvent(event('net.authorize.payment.void.created', { id: transId }));
    t.match(await depositRow(store), { state: 'returned' });
    await h.deliver();
    t.match(h.org.updates.at(-1), { fields: { Payment_Status__c: 'Refunded', Payment_Reference__c: transId } });
    t.equal(await bookingState(store), 'confirmed', 'the booking stands: the clinic decides');
    // Events for transactions that are not deposits are ignored.
    await h.deposits.onTransactionEvent(event('net.authorize.payment.void.created', { id: '123' }));

    // A charge whose answer was lost, settled by its creation event.
    const lost = await h.hold(later(1));
    const bookingId = (await store.query<{ id: string }>(`select id from booking where state = 'pending'`))[0]!.id;
    const claim = await claimCharge(store, bookingId, 'pay-key-hook-0000000002', 5 * MINUTE, h.clock.now());
    if (claim.kind !== 'charge') throw new Error('no claim');
    await h.deposits.onTransactionEvent(
      event('net.authorize.payment.authcapture.created', {
        id: '60000000777',
        responseCode: 1,
        invoiceNumber: claim.attempt.invoice_number,
      }),
    );
    h.clock.advance(2 * MINUTE);
    t.match(await h.deposits.page(lost), { kind: 'booked' }, 'the page finishes the booking');
    t.match([...h.org.appointments.values()].at(-1), { Payment_Reference__c: '60000000777' });
  });
}
