// What a purchase refuses, on both backends: tampered, expired and used links, packs not offered,
// a pack id the org API does not know, posts without a nonce or with fields the form does not have,
// a key from another link; and cards Authorize.Net refuses (declined, expired, CVV, AVS, a nonce
// used twice): a clear message, no credits, and the link free for another card.
import t from 'tap';
import { TEST_TRIGGERS } from '../../service/src/payments/authnet/standin/cards.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { GOOD_CARD, purchaseApp } from './purchase-app.ts';

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    const env = await purchaseApp(t, backend);
    if (!env) return;
    const { app } = env;

    t.test('the org API refuses a pack id it does not offer (422) and malformed bodies (400)', async (t) => {
      const unknown = await app.inject({
        method: 'POST',
        url: '/v1/credits/purchase-link',
        headers: env.headers,
        payload: { packId: '999-USD' },
      });
      t.equal(unknown.statusCode, 422);
      t.equal(unknown.json().code, 'unknown_pack');
      for (const payload of [{ packId: 'no spaces' }, { packId: { credits: 100 } }]) {
        const bad = await app.inject({
          method: 'POST',
          url: '/v1/credits/purchase-link',
          headers: env.headers,
          payload,
        });
        t.equal(bad.statusCode, 400, JSON.stringify(payload));
      }
      const link = await env.purchaseLink('100-USD');
      const minutes = (Date.parse(link.expiresAt) - Date.now()) / 60_000;
      t.ok(minutes > 14 && minutes <= 15, `the link works for 15 minutes (${minutes.toFixed(1)})`);
      const [row] = await env.store.query<{ user_id: string; pack_id: string }>(
        'select user_id, pack_id from purchase_link order by created_at desc limit 1',
      );
      t.same(row, { user_id: '005000000000001AAA', pack_id: '100-USD' }, 'the link records who asked, and the pack');
    });

    t.test('a tampered token is a 403 page; a token for a link that never existed too', async (t) => {
      const { token } = await env.purchaseLink();
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      for (const bad of [`${token.slice(0, -1)}${last}`, `${'A'.repeat(22)}${token.slice(22)}`]) {
        const page = await app.inject({ method: 'GET', url: `/billing?token=${bad}` });
        t.equal(page.statusCode, 403);
        t.match(page.body, /This purchase link does not work/);
        t.match(
          page.headers['content-security-policy'],
          /frame-ancestors 'none'/,
          'an unknown link is framed by nobody',
        );
      }
      const short = await app.inject({ method: 'GET', url: '/billing?token=abc' });
      t.equal(short.statusCode, 400);
      t.match(short.body, /This request is not valid/);
    });

    t.test('an expired link: 410 on the page and on a charge', async (t) => {
      const { token } = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(token);
      await env.store.query(`update purchase_link set expires_at = created_at + interval '1 millisecond'`);
      const page = await app.inject({ method: 'GET', url: `/billing?token=${token}` });
      t.equal(page.statusCode, 410);
      t.match(page.body, /This purchase link has expired/);
      const charged = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(charged.statusCode, 410);
      t.equal(env.charges().length, 0, 'nothing was charged');
    });

    t.test('a used link: a second payment with another key is refused; the page says it was used', async (t) => {
      const { token } = await env.purchaseLink();
      const first = await env.billingPage(token);
      const second = await env.billingPage(token);
      t.not(first.idempotencyKey, second.idempotencyKey, 'each page has its own key');
      const paid = await env.charge({ token, idempotencyKey: first.idempotencyKey!, packId: '100-USD' });
      t.equal(paid.statusCode, 200);
      const again = await env.charge({ token, idempotencyKey: second.idempotencyKey!, packId: '100-USD' });
      t.equal(again.statusCode, 409);
      t.match(again.body, /already been used/);
      const page = await app.inject({ method: 'GET', url: `/billing?token=${token}` });
      t.equal(page.statusCode, 409);
      t.equal(env.charges().length, 1, 'one charge');
      t.equal((await env.ledgerPurchases()).length, 1, 'one purchase');
    });

    t.test('packs: a preselected link takes only its pack; prices come from CREDIT_PACKS', async (t) => {
      const { token } = await env.purchaseLink('500-USD');
      const { response, idempotencyKey } = await env.billingPage(token);
      t.match(response.body, /500 credits for US\$60\.00/);
      t.notMatch(response.body, /100 credits/, 'only the preselected pack');
      const other = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(other.statusCode, 422);
      t.match(other.body, /not on offer/);
      const unknown = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '7-USD' });
      t.equal(unknown.statusCode, 422);
      t.equal(env.charges().length, 1, 'nothing more was charged');
      const open = await env.purchaseLink();
      const all = await env.billingPage(open.token);
      for (const pack of ['100 credits for US$15.00', '500 credits for US$60.00', '2000 credits for US$200.00']) {
        t.ok(all.response.body.includes(pack), pack);
      }
    });

    t.test('forms the page never sends: 400, nothing charged, the link still free', async (t) => {
      const { token } = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(token);
      const post = (fields: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/billing/charge',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(fields).toString(),
        });
      const base = { token, idempotencyKey: idempotencyKey!, packId: '100-USD' };
      const nonce = env.standin.mintNonce(GOOD_CARD).dataValue;
      const cases: Record<string, string>[] = [
        base,
        { ...base, dataDescriptor: 'COMMON.ACCEPT.INAPP.PAYMENT', dataValue: '' },
        { ...base, dataDescriptor: 'SOMETHING.ELSE', dataValue: nonce },
        { ...base, dataDescriptor: 'COMMON.ACCEPT.INAPP.PAYMENT', dataValue: nonce, cardNumber: '4111111111111111' },
        { ...base, idempotencyKey: 'short', dataDescriptor: 'COMMON.ACCEPT.INAPP.PAYMENT', dataValue: nonce },
        { ...base, amount: '1', dataDescriptor: 'COMMON.ACCEPT.INAPP.PAYMENT', dataValue: nonce },
      ];
      for (const fields of cases) {
        const answer = await post(fields);
        t.equal(answer.statusCode, 400, Object.keys(fields).join(','));
        t.match(answer.headers['content-type'], /text\/html/);
      }
      t.equal(env.charges().length, 1, 'nothing more was charged');
      const paid = await env.charge({ ...base, nonce });
      t.equal(paid.statusCode, 200, 'the link still works');
    });

    t.test('a key already used on another link is refused', async (t) => {
      const a = await env.purchaseLink();
      const b = await env.purchaseLink();
      const { idempotencyKey } = await env.billingPage(a.token);
      t.equal(
        (await env.charge({ token: a.token, idempotencyKey: idempotencyKey!, packId: '100-USD' })).statusCode,
        200,
      );
      const stolen = await env.charge({ token: b.token, idempotencyKey: idempotencyKey!, packId: '100-USD' });
      t.equal(stolen.statusCode, 409);
      t.match(stolen.body, /belongs to another purchase/);
    });

    t.test('refused cards: a clear message, no credits, and another card works on the same link', async (t) => {
      const refusals = [
        { card: { ...GOOD_CARD, zip: TEST_TRIGGERS.declineZip }, message: /The card was declined/ },
        { card: { ...GOOD_CARD, expirationDate: '01/20' }, message: /The card has expired/ },
        { card: { ...GOOD_CARD, cardCode: TEST_TRIGGERS.cvvMismatchCode }, message: /security code does not match/ },
        { card: { ...GOOD_CARD, zip: TEST_TRIGGERS.avsMismatchZip }, message: /ZIP or postal code does not match/ },
      ];
      for (const { card, message } of refusals) {
        const ledgerBefore = (await env.ledgerPurchases()).length;
        const { token } = await env.purchaseLink();
        const { idempotencyKey } = await env.billingPage(token);
        const refused = await env.charge({ token, idempotencyKey: idempotencyKey!, packId: '100-USD', card });
        t.equal(refused.statusCode, 402, String(message));
        t.match(refused.body, message);
        t.match(refused.body, /No credits were added and the card was not charged/);
        t.equal((await env.ledgerPurchases()).length, ledgerBefore, 'no credits');
        const retryKey = /name="idempotencyKey" value="([^"]+)"/.exec(refused.body)?.[1];
        t.ok(retryKey && retryKey !== idempotencyKey, 'the form again, with a new key');
        const paid = await env.charge({ token, idempotencyKey: retryKey!, packId: '100-USD' });
        t.equal(paid.statusCode, 200, 'another card on the same link');
        t.equal((await env.ledgerPurchases()).length, ledgerBefore + 1);
      }
    });

    t.test('a nonce used twice is refused by Authorize.Net: the second payment fails cleanly', async (t) => {
      const nonce = env.standin.mintNonce(GOOD_CARD).dataValue;
      const a = await env.purchaseLink();
      const b = await env.purchaseLink();
      const keyA = (await env.billingPage(a.token)).idempotencyKey!;
      const keyB = (await env.billingPage(b.token)).idempotencyKey!;
      t.equal((await env.charge({ token: a.token, idempotencyKey: keyA, packId: '100-USD', nonce })).statusCode, 200);
      const replay = await env.charge({ token: b.token, idempotencyKey: keyB, packId: '100-USD', nonce });
      t.equal(replay.statusCode, 402);
      t.match(replay.body, /card details have expired or were already used/);
      // The same key again is the same payment: its outcome, not a second attempt.
      const again = await env.charge({ token: b.token, idempotencyKey: keyB, packId: '100-USD' });
      t.equal(again.statusCode, 402);
    });
  });
}
