// Credit purchases end to end through the app, on both backends: a purchase link from the org API,
// the billing page, a charge at the Authorize.Net stand-in, the ledger purchase and the receipt
// queued for the org; 20 parallel posts with one idempotency key charge once and credit once.
import t from 'tap';
import { BACKENDS } from '../helpers/backends.ts';
import { purchaseApp, USER } from './purchase-app.ts';

async function waitFor<T>(read: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    const env = await purchaseApp(t, backend);
    if (!env) return;

    t.test('a purchase: link, page, charge, credits, receipt', async (t) => {
      const link = await env.purchaseLink('500-USD');
      const { response, idempotencyKey } = await env.billingPage(link.token);
      t.equal(response.statusCode, 200);
      t.ok(idempotencyKey);
      const answer = await env.charge({ token: link.token, idempotencyKey: idempotencyKey!, packId: '500-USD' });
      t.equal(answer.statusCode, 200, answer.body);
      t.match(answer.body, /1111/);
      const purchases = await env.ledgerPurchases();
      t.equal(purchases.length, 1);
      t.equal(purchases[0]!.amount, 500);
      t.equal(purchases[0]!.money_minor, 6000);
      t.equal(purchases[0]!.reference, env.charges()[0]!.transId, 'the ledger names the transaction');

      // The receipt reaches the org through the outbox: a Credit Purchase record, keyed by invoice number.
      const receipt = await waitFor(() => env.org.records('Slotwise_Credit_Purchase__c')[0]);
      t.match(receipt, {
        Purchase_Key__c: env.charges()[0]!.invoiceNumber,
        Credits__c: 500,
        Amount__c: 60,
        Currency_Code__c: 'USD',
        Transaction_Id__c: env.charges()[0]!.transId,
        Card_Last4__c: '1111',
        Purchased_By__c: USER,
      });
    });

    t.test('20 parallel posts with one idempotency key: one charge, one ledger purchase', async (t) => {
      const before = env.charges().length;
      const beforeLedger = (await env.ledgerPurchases()).length;
      const link = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(link.token);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          env.charge({ token: link.token, idempotencyKey: idempotencyKey!, packId: '100-USD' }),
        ),
      );
      t.same(
        answers.map((a) => a.statusCode),
        Array(20).fill(200),
      );
      t.equal(env.charges().length - before, 1, 'one charge at Authorize.Net');
      t.equal((await env.ledgerPurchases()).length - beforeLedger, 1, 'one ledger purchase');
    });
  });
}
