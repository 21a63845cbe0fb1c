// POST /webhooks/authnet, on both backends: the signature over the raw bytes is checked before
// anything else (a forgery gets 403 and nothing is stored or handled), each notification is handled
// once, a failing handler makes Authorize.Net send it again, and a purchase whose charge answer was
// lost is credited by its authcapture.created event. The stand-in's own signed webhooks for a
// purchase are delivered to the running app and credit nothing twice.
import t from 'tap';
import { beginPurchase, findPurchase, invoiceNumberFor } from '../../service/src/billing/purchases.ts';
import { purchaseDeps } from '../../service/src/billing/service.ts';
import { signAnetWebhook } from '../../service/src/payments/authnet/webhook.ts';
import type { AnetWebhookEvent } from '../../service/src/payments/authnet/webhook.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { clientFor } from './authnet/helpers.ts';
import { GOOD_CARD, purchaseApp, SIGNATURE_KEY } from './purchase-app.ts';

let notification = 0;
function event(overrides: Partial<AnetWebhookEvent['payload']> = {}, eventType = 'net.authorize.payment.void.created') {
  notification++;
  return {
    notificationId: `d0e8e7fe-c3e7-4add-a480-${String(notification).padStart(12, '0')}`,
    eventType,
    eventDate: '2026-03-02T10:00:00.000Z',
    webhookId: 'b7d3a2d1-5e1a-4f1c-9a0e-2d5f4c3b2a10',
    payload: { responseCode: 1, authAmount: 15, entityName: 'transaction', id: '60012345678', ...overrides },
  };
}

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    const env = await purchaseApp(t, backend, { webhooks: true });
    if (!env) return;
    const { app, store } = env;
    const seen: AnetWebhookEvent[] = [];
    let failNext = false;
    app.payments.onTransactionEvent(async (received) => {
      if (failNext) {
        failNext = false;
        throw new Error('handler down');
      }
      seen.push(received);
    });
    const post = (body: string, signature?: string, contentType = 'application/json') =>
      app.inject({
        method: 'POST',
        url: '/webhooks/authnet',
        headers: { 'content-type': contentType, ...(signature ? { 'x-anet-signature': signature } : {}) },
        payload: body,
      });
    const receipts = async () =>
      (await store.query<{ n: number }>('select count(*)::int as n from authnet_webhook_receipt'))[0]!.n;

    t.test('a forged, unsigned or re-signed body is refused with 403 before anything is stored', async (t) => {
      const body = JSON.stringify(event());
      const before = await receipts();
      const forged = [
        undefined,
        signAnetWebhook('00'.repeat(64), body),
        signAnetWebhook(SIGNATURE_KEY, body).slice(0, -2) + '00',
        'sha256=' + signAnetWebhook(SIGNATURE_KEY, body).slice(7),
      ];
      for (const signature of forged) {
        const answer = await post(body, signature);
        t.equal(answer.statusCode, 403, String(signature).slice(0, 12));
        t.equal(answer.json().code, 'invalid_signature');
      }
      // A genuine signature of another body does not carry over.
      const tampered = body.replace('"responseCode":1', '"responseCode":2');
      t.equal((await post(tampered, signAnetWebhook(SIGNATURE_KEY, body))).statusCode, 403);
      // Not even a body that would not parse gets further than the signature check.
      t.equal((await post('{not json', undefined)).statusCode, 403);
      t.equal(await receipts(), before, 'nothing recorded');
      t.equal(seen.length, 0, 'no handler ran');
    });

    t.test('the signature is over the raw bytes, whatever their layout or content type', async (t) => {
      const raw = `{\n  "notificationId": "raw-layout-1", "eventType": "net.authorize.payment.void.created",\n  "eventDate": "2026-03-02T10:00:00Z", "webhookId": "w",  "payload": {"entityName": "transaction", "id": "600"}\n}`;
      const answer = await post(
        raw,
        signAnetWebhook(SIGNATURE_KEY, raw).toLowerCase(),
        'application/json; charset=utf-8',
      );
      t.equal(answer.statusCode, 200);
      t.equal(seen.at(-1)?.notificationId, 'raw-layout-1');
      const signedGarbage = 'not an event';
      const refused = await post(signedGarbage, signAnetWebhook(SIGNATURE_KEY, signedGarbage), 'text/plain');
      t.equal(refused.statusCode, 400, 'signed but not an event: 400');
    });

    t.test('each notification is handled once; a failed handler is retried', async (t) => {
      const body = JSON.stringify(event());
      const signature = signAnetWebhook(SIGNATURE_KEY, body);
      const before = seen.length;
      failNext = true;
      const failed = await post(body, signature);
      t.equal(failed.statusCode, 500, 'Authorize.Net will send it again');
      t.equal(seen.length, before);
      const first = await post(body, signature);
      t.equal(first.statusCode, 200);
      t.equal(seen.length, before + 1, 'handled on the retry');
      const again = await Promise.all([post(body, signature), post(body, signature)]);
      t.same(
        again.map((answer) => answer.statusCode),
        [200, 200],
      );
      t.same(
        again.map((answer) => answer.json().duplicate),
        [true, true],
      );
      t.equal(seen.length, before + 1, 'not handled again');
    });

    t.test('authcapture.created credits a purchase whose charge answer was lost, once', async (t) => {
      const deps = purchaseDeps(app, {
        packs: [{ credits: 100, price: { minor: 1500, currency: 'USD' } }],
        openingAllowance: 500,
        chargeTimeoutMs: 1000,
      });
      await env.purchaseLink();
      const [link] = await store.query<{ id: string }>('select id from purchase_link order by created_at desc limit 1');
      const key = 'webhook-confirms-this-purchase';
      const { purchase } = await beginPurchase(deps, link!.id, { idempotencyKey: key, packId: '100-USD' });
      const charged = await clientFor(env.standin).chargeNonce({
        nonce: env.standin.mintNonce(GOOD_CARD).dataValue,
        amountMinor: 1500,
        currency: 'USD',
        invoiceNumber: invoiceNumberFor(key),
        description: 'answer lost',
        capture: true,
      });
      await store.query(`update credit_purchase set charging_until = null, outcome = 'ambiguous' where id = $1`, [
        purchase.id,
      ]);
      const body = JSON.stringify(
        event(
          { id: charged.transId, invoiceNumber: invoiceNumberFor(key) },
          'net.authorize.payment.authcapture.created',
        ),
      );
      const answer = await post(body, signAnetWebhook(SIGNATURE_KEY, body));
      t.equal(answer.statusCode, 200);
      const credited = await findPurchase(store, key);
      t.equal(credited?.state, 'credited');
      t.equal(credited?.transId, charged.transId);
      const replay = JSON.stringify({ ...JSON.parse(body), notificationId: 'another-notification-same-charge' });
      t.equal((await post(replay, signAnetWebhook(SIGNATURE_KEY, replay))).statusCode, 200);
      const ledger = (await env.ledgerPurchases()).filter((row) => row.idempotency_key === key);
      t.equal(ledger.length, 1, 'credited once');
    });

    t.test("the stand-in's signed webhooks reach the app during a purchase and credit nothing twice", async (t) => {
      const { token } = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(token);
      const answer = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(answer.statusCode, 200);
      const deliveries = await env.standin.webhookDeliveries();
      const created = deliveries.filter((d) => d.eventType === 'net.authorize.payment.authcapture.created');
      t.ok(created.length >= 1);
      t.same(
        created.map((d) => d.result),
        created.map(() => 200),
        'accepted',
      );
      const ledger = (await env.ledgerPurchases()).filter((row) => row.idempotency_key === idempotencyKey);
      t.equal(ledger.length, 1, 'one purchase');
    });
  });
}
