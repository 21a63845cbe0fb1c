// The billing page as the browser gets it: the org's name, the packs and prices, AcceptUI's button
// and script, and a CSP of its own (AcceptUI's origin exactly for script, frame and connect; the
// org's Lightning domains as the only frame ancestors) while every other page keeps frame-ancestors
// 'none'. Also the pure parts: Lightning origins from instance URLs, and purchase link tokens.
import t from 'tap';
import { lightningOrigins } from '../../service/src/billing/frame-ancestors.ts';
import { signPurchaseToken, verifyPurchaseToken } from '../../service/src/billing/link-token.ts';
import { signManageToken, verifyManageToken } from '../../service/src/booking/manage-token.ts';
import { orgApiApp } from '../org/org-api-app.ts';
import { API_LOGIN_ID, CLIENT_KEY } from './authnet/helpers.ts';
import { purchaseApp } from './purchase-app.ts';

/** The CSP as directive → sources. */
function csp(header: string | string[] | number | undefined): Map<string, string[]> {
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

t.test('Lightning origins come from the My Domain of the instance URL', async (t) => {
  t.same(lightningOrigins('https://acme.my.salesforce.com'), [
    'https://acme.lightning.force.com',
    'https://acme.my.salesforce.com',
  ]);
  t.same(lightningOrigins('https://acme--uat.sandbox.my.salesforce.com'), [
    'https://acme--uat.sandbox.lightning.force.com',
    'https://acme--uat.sandbox.my.salesforce.com',
  ]);
  t.same(lightningOrigins('https://acme-dev-ed.develop.my.salesforce.com'), [
    'https://acme-dev-ed.develop.lightning.force.com',
    'https://acme-dev-ed.develop.my.salesforce.com',
  ]);
  t.same(lightningOrigins('https://na1.salesforce.com'), ['https://na1.salesforce.com'], 'no My Domain: itself only');
  t.same(lightningOrigins('http://127.0.0.1:8444'), ['http://127.0.0.1:8444'], 'the local org emulator');
  t.same(
    lightningOrigins('https://evil.example.com'),
    ['https://evil.example.com'],
    'never a Lightning domain it does not own',
  );
});

t.test('purchase link tokens: genuine ones verify, altered ones and manage tokens do not', async (t) => {
  const key = Buffer.alloc(32, 9);
  const claims = { linkId: '0f8fad5b-d9cb-469f-a165-70867728950e', expiresAt: 1_900_000_000 };
  const token = signPurchaseToken(key, claims);
  t.equal(token.length, 48);
  t.same(verifyPurchaseToken(key, token), claims);
  t.equal(verifyPurchaseToken(Buffer.alloc(32, 8), token), null, 'another key');
  for (let at = 0; at < token.length; at += 7) {
    const flipped = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    t.equal(verifyPurchaseToken(key, flipped), null, `changed at ${at}`);
  }
  t.equal(verifyPurchaseToken(key, token.slice(0, 47)), null, 'truncated');
  const manage = signManageToken(key, {
    bookingId: claims.linkId,
    purpose: 'cancel',
    expiresAt: claims.expiresAt,
    linkVersion: 1,
  });
  t.equal(verifyPurchaseToken(key, manage), null, 'a manage link is not a purchase link');
  t.throws(() => verifyManageToken(key, token), 'a purchase link is not a manage link');
});

t.test(
  'without Authorize.Net: the org API answers 503 payments_not_configured, and there is no billing page',
  async (t) => {
    const env = await orgApiApp(t, 'pglite');
    if (!env) return;
    const answer = await env.app.inject({
      method: 'POST',
      url: '/v1/credits/purchase-link',
      headers: env.headers(),
      payload: {},
    });
    t.equal(answer.statusCode, 503);
    t.equal(answer.json().code, 'payments_not_configured');
    t.equal((await env.app.inject({ method: 'GET', url: `/billing?token=${'A'.repeat(48)}` })).statusCode, 404);
  },
);

t.test('the billing page', async (t) => {
  const env = await purchaseApp(t, 'pglite');
  if (!env) return;
  const { app, standin, org } = env;
  const link = await env.purchaseLink();
  t.equal(link.url.pathname, '/billing');
  t.equal(link.url.origin, 'https://localhost:8443', 'on PUBLIC_URL');

  t.test('shows the org, the packs and prices, and AcceptUI; never a card field of its own', async (t) => {
    const { response } = await env.billingPage(link.token);
    t.equal(response.statusCode, 200);
    t.equal(response.headers['cache-control'], 'no-store');
    const body = response.body;
    t.match(body, /<p class="org-name" dir="auto">Riverside Physiotherapy Clinic<\/p>/);
    t.match(body, /100 credits for US\$15\.00/);
    t.match(body, /2000 credits for US\$200\.00/);
    t.match(body, new RegExp(`<script src="${standin.origin}/v3/AcceptUI.js"`));
    t.match(body, /class="AcceptUI button button-primary"/);
    t.match(body, new RegExp(`data-apiLoginID="${API_LOGIN_ID}"`));
    t.match(body, new RegExp(`data-clientKey="${CLIENT_KEY}"`));
    t.match(body, /data-responseHandler="slotwiseAcceptResponse"/);
    const inputs = [...body.matchAll(/<input[^>]*name="([^"]+)"/g)].map((m) => m[1]);
    t.same(
      [...new Set(inputs)].sort(),
      ['dataDescriptor', 'dataValue', 'idempotencyKey', 'packId', 'token'],
      'the only fields: no card number, expiry or security code',
    );
    const script = /<script src="(\/billing\/assets\/billing\.[0-9a-f]{12}\.js)"/.exec(body)?.[1];
    t.ok(script, 'the page script, content-hashed');
    const asset = await app.inject({ method: 'GET', url: script! });
    t.equal(asset.statusCode, 200);
    t.match(asset.headers['cache-control'], /immutable/);
    t.match(asset.body, /slotwiseAcceptResponse/);
  });

  t.test("its CSP allows exactly AcceptUI's origin, and only the org's own pages may frame it", async (t) => {
    const { response } = await env.billingPage(link.token);
    const policy = csp(response.headers['content-security-policy']);
    t.same(policy.get('script-src'), ["'self'", standin.origin]);
    t.same(policy.get('frame-src'), [standin.origin]);
    t.same(policy.get('connect-src'), ["'self'", standin.origin]);
    t.same(policy.get('frame-ancestors'), [org.url], 'the instance (the emulator has no My Domain)');
    t.same(policy.get('default-src'), ["'self'"]);
    t.same(policy.get('form-action'), ["'self'"]);
    t.same(policy.get('style-src'), ["'self'"], 'nothing inline');
    t.equal(response.headers['x-frame-options'], undefined, 'no X-Frame-Options to contradict frame-ancestors');

    // The same page for an org on a My Domain: its Lightning and My Domain origins, nothing else.
    const mine = await env.purchaseLink();
    await env.store.query(`update org_connection set instance_url = 'https://acme.my.salesforce.com'`);
    t.teardown(() => env.store.query('update org_connection set instance_url = $1', [org.url]));
    const framed = await env.billingPage(mine.token);
    t.same(csp(framed.response.headers['content-security-policy']).get('frame-ancestors'), [
      'https://acme.lightning.force.com',
      'https://acme.my.salesforce.com',
    ]);
  });

  t.test("every other page keeps frame-ancestors 'none' and no AcceptUI", async (t) => {
    for (const url of ['/book/riverside', '/healthz', `/billing?token=${'A'.repeat(48)}`, '/no-such-page']) {
      const response = await app.inject({ method: 'GET', url });
      const policy = csp(response.headers['content-security-policy']);
      t.same(policy.get('frame-ancestors'), ["'none'"], url);
      t.same(policy.get('script-src'), ["'self'"], url);
      t.same(policy.get('frame-src'), ["'none'"], url);
      t.equal(response.headers['x-frame-options'], 'SAMEORIGIN', url);
    }
  });
});
