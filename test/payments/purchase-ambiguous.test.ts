// Charges whose answer is lost, on both backends: Authorize.Net applies the charge but answers too
// late (timeout), drops the connection before doing anything, answers "duplicate", or the service
// stops between the charge and the ledger. Each is settled by invoice number, by the next request
// with the same key or by the reconcile job: found → credited once; never found (once the nonce
// cannot be used any more) → failed, and the link is free again.
import t from 'tap';
import {
  beginPurchase,
  chargePurchase,
  findPurchase,
  invoiceNumberFor,
  NOT_CHARGED_AFTER_MS,
  reconcileOpenPurchases,
} from '../../service/src/billing/purchases.ts';
import { purchaseDeps } from '../../service/src/billing/service.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { clientFor } from './authnet/helpers.ts';
import { GOOD_CARD, purchaseApp } from './purchase-app.ts';

const TIMEOUT_MS = 1_000;

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    const env = await purchaseApp(t, backend, { timeoutMs: TIMEOUT_MS });
    if (!env) return;
    const { app, store, standin } = env;
    const packs = [{ credits: 100, price: { minor: 1500, currency: 'USD' } }];
    const depsAt = (now: () => Date) =>
      purchaseDeps(app, { packs, openingAllowance: 500, chargeTimeoutMs: TIMEOUT_MS, now });
    const latestLinkId = async () =>
      (await store.query<{ id: string }>('select id from purchase_link order by created_at desc limit 1'))[0]!.id;

    t.test('applied but answered after the timeout: found by invoice number at once, credited once', async (t) => {
      const { token } = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(token);
      standin.injectFault({ kind: 'slow', delayMs: TIMEOUT_MS * 2 });
      const answer = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(answer.statusCode, 200, 'the receipt');
      t.match(answer.body, /Thank you: your credits are added/);
      t.equal(env.charges().length, 1, 'one charge');
      const purchases = await env.ledgerPurchases();
      t.equal(purchases.length, 1, 'one ledger purchase');
      t.equal(purchases[0]!.reference, env.charges()[0]!.transId);
    });

    t.test('dropped before Authorize.Net did anything: pending, then failed once no charge can appear', async (t) => {
      const { token } = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(token);
      standin.injectFault({ kind: 'unreachable' });
      const answer = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(answer.statusCode, 202);
      t.match(answer.body, /We are confirming your payment/);
      t.match(answer.body, /Do not pay again/);
      t.equal(env.charges().length, 1, 'nothing new was charged');
      // "Check again": the same key, no nonce; still nothing found, and still too early to say.
      const recheck = await app.inject({
        method: 'POST',
        url: '/billing/charge',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' }).toString(),
      });
      t.equal(recheck.statusCode, 202);
      const page = await app.inject({ method: 'GET', url: `/billing?token=${token}` });
      t.equal(page.statusCode, 202, 'the link shows the payment under way, no new form');

      // The reconcile job, 17 minutes on: the nonce has expired, so no charge can still appear.
      const later = depsAt(() => new Date(Date.now() + NOT_CHARGED_AFTER_MS + 60_000));
      t.equal(await reconcileOpenPurchases(later), 1, 'settled');
      const failed = await findPurchase(store, idempotencyKey!);
      t.equal(failed?.state, 'failed');
      t.equal(failed?.outcome, 'not_charged');
      const [link] = await store.query<{ held_by: string | null }>('select held_by from purchase_link where id = $1', [
        failed!.linkId,
      ]);
      t.equal(link?.held_by, null, 'the link is free again');
      t.equal((await env.ledgerPurchases()).length, 1, 'no credits');
    });

    t.test('stopped between the charge and the ledger: the next request, or the job, credits it once', async (t) => {
      const deps = depsAt(() => new Date());
      /** A purchase whose request charged Authorize.Net and then stopped: nothing of the charge was stored. */
      const crashed = async (key: string) => {
        const { token } = await env.purchaseLink();
        const begun = await beginPurchase(deps, await latestLinkId(), { idempotencyKey: key, packId: '100-USD' });
        await clientFor(standin).chargeNonce({
          nonce: standin.mintNonce(GOOD_CARD).dataValue,
          amountMinor: 1500,
          currency: 'USD',
          invoiceNumber: invoiceNumberFor(key),
          description: 'crashed',
          capture: true,
        });
        await store.query(`update credit_purchase set charging_until = now() - interval '1 second' where id = $1`, [
          begun.purchase.id,
        ]);
        return token;
      };
      const creditedOnce = async (key: string) => {
        const charges = env.charges().filter((tx) => tx.invoiceNumber === invoiceNumberFor(key));
        t.equal(charges.length, 1, 'charged once');
        const ledger = (await env.ledgerPurchases()).filter((row) => row.idempotency_key === key);
        t.same(
          ledger.map((row) => row.reference),
          [charges[0]!.transId],
          'credited once, with its transaction',
        );
      };

      const retried = 'crash-between-charge-and-ledger-1';
      const token = await crashed(retried);
      const recheck = (idempotencyKey: string, onToken = token) =>
        app.inject({
          method: 'POST',
          url: '/billing/charge',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ token: onToken, idempotencyKey, packId: '100-USD' }).toString(),
        });
      const answer = await recheck(retried);
      t.equal(answer.statusCode, 200, 'the receipt');
      t.equal((await findPurchase(store, retried))?.cardLast4, '1111');
      await creditedOnce(retried);

      const byJob = 'crash-between-charge-and-ledger-2';
      await crashed(byJob);
      const other = await env.purchaseLink();
      t.equal((await recheck(byJob, other.token)).statusCode, 409, 'the key is tied to its own link');
      t.equal((await findPurchase(store, byJob))?.state, 'pending');
      t.equal(await reconcileOpenPurchases(deps), 1, 'the reconcile job finds the charge');
      t.equal((await findPurchase(store, byJob))?.state, 'credited');
      await creditedOnce(byJob);
      t.equal(await reconcileOpenPurchases(deps), 0, 'nothing left to settle');
      t.equal((await recheck(retried)).statusCode, 200, 'asking again changes nothing');
      await creditedOnce(retried);
    });

    t.test(
      'Authorize.Net answers "duplicate": the earlier charge is found and credited, not charged again',
      async (t) => {
        await env.purchaseLink();
        const deps = depsAt(() => new Date());
        const key = 'duplicate-window-purchase-1';
        const { purchase } = await beginPurchase(deps, await latestLinkId(), {
          idempotencyKey: key,
          packId: '100-USD',
        });
        const card = { ...GOOD_CARD, cardNumber: '4007000000027' };
        await clientFor(standin).chargeNonce({
          nonce: standin.mintNonce(card).dataValue,
          amountMinor: 1500,
          currency: 'USD',
          invoiceNumber: purchase.invoiceNumber,
          description: 'first',
          capture: true,
        });
        const after = await chargePurchase(deps, purchase, standin.mintNonce(card).dataValue);
        t.equal(after.state, 'credited');
        const charges = env.charges().filter((tx) => tx.invoiceNumber === purchase.invoiceNumber);
        t.equal(charges.length, 1, 'one approved charge (the duplicate was refused)');
        t.equal(after.transId, charges[0]!.transId);
      },
    );
  });
}
