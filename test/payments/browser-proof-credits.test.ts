// The browser proof for credit purchases (acceptance of issue 7): an admin buys credits in Chromium
// with a test card typed into AcceptUI's form, served by the Authorize.Net stand-in from its own
// origin, while everything that reaches the service is recorded (card-leak.ts): every raw request
// body and URL, every browser request to our origin, our cookies and storage, the server's log.
// The card number (in any formatting), the expiry and the security code appear nowhere in it, and
// they do appear in the requests to the stand-in (the card really was typed). A deliberately leaky
// variant of the page, which also posts card fields of its own to us, is caught by the same checks.
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { CHROMIUM, chromiumAvailable } from '../helpers/chromium.ts';
import { CardLeakRecorder, type CardDetails } from './card-leak.ts';
import { purchaseApp } from './purchase-app.ts';

const CARD: CardDetails = { number: '4111111111111111', expiry: '11/34', cvv: '731' };
const LEAKY_PATH = '/test-only/leaky-billing';

if (chromiumAvailable(t, 'credit purchases in Chromium')) await run();

async function run(): Promise<void> {
  const recorder = new CardLeakRecorder();
  const env = await purchaseApp(t, 'pglite', {
    https: true,
    prepare: (app) => {
      recorder.install(app);
      // Test only: the billing page plus card fields of its own inside the form, so a payment
      // posts them to us as well. The kind of page the browser proof exists to catch.
      app.get<{ Querystring: { token: string } }>(LEAKY_PATH, async (request, reply) => {
        const real = await app.inject({ method: 'GET', url: `/billing?token=${request.query.token}` });
        const leaky = real.body.replace(
          '<p id="card-error"',
          `<label>Card number <input name="cardNumber" autocomplete="cc-number"></label>
           <label>Expiry <input name="cardExpiry" autocomplete="cc-exp"></label>
           <label>Security code <input name="cardCode" autocomplete="cc-csc"></label>
           <p id="card-error"`,
        );
        reply.raw.setHeader('content-security-policy', String(real.headers['content-security-policy']));
        return reply.type('text/html; charset=utf-8').send(leaky);
      });
    },
  });
  if (!env) return;
  // The sandbox certificate is for localhost.
  const origin = `https://localhost:${new URL(env.origin).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());

  t.test('buy credits through AcceptUI: no card data reaches the service', (t) =>
    buyCredits(t, browser, recorder, env, origin),
  );
  t.test('a leaky page posting card fields to us is caught', (t) => leakyPage(t, browser, recorder, env, origin));
}

type Env = NonNullable<Awaited<ReturnType<typeof purchaseApp>>>;

async function newPage(browser: Browser, recorder: CardLeakRecorder, origin: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-GB' });
  const page = await context.newPage();
  recorder.watch(page, origin);
  return page;
}

/** The admin's journey: pick a pack, open AcceptUI, type the card into its form, pay. */
async function pay(page: Page, url: string, typeIntoOurPageToo = false): Promise<void> {
  await page.goto(url);
  if (typeIntoOurPageToo) {
    await page.getByLabel('Card number').fill('4111 1111 1111 1111');
    await page.getByLabel('Expiry').fill(CARD.expiry);
    await page.getByLabel('Security code').fill(CARD.cvv);
  }
  await page.getByLabel('500 credits for US$60.00').check();
  await page.getByRole('button', { name: 'Pay by card' }).click();
  const form = page.frameLocator('#AcceptUIContainer');
  await form.locator('input[name=cardNumber]').fill('4111 1111 1111 1111');
  await form.locator('input[name=expirationDate]').fill(CARD.expiry);
  await form.locator('input[name=cardCode]').fill(CARD.cvv);
  await form.locator('input[name=zip]').fill('10001');
  await Promise.all([page.waitForURL(/\/billing\/charge$/), form.locator('#pay').click()]);
}

async function buyCredits(t: Test, browser: Browser, recorder: CardLeakRecorder, env: Env, origin: string) {
  recorder.reset();
  const page = await newPage(browser, recorder, origin);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const { url } = await env.purchaseLink();
  await pay(page, `${origin}${url.pathname}${url.search}`);

  await page.getByRole('heading', { name: 'Thank you: your credits are added' }).waitFor();
  t.match(await page.locator('main').innerText(), /Card ending 1111/);
  t.same(errors, [], 'no script or CSP errors');
  const purchases = await env.ledgerPurchases();
  t.same(
    purchases.map((row) => [row.amount, row.money_minor]),
    [[500, 6000]],
    'the credits are in the ledger',
  );
  t.equal(env.charges().length, 1, 'one charge at Authorize.Net');

  await recorder.captureBrowserState(page, origin);
  recorder.addLog(env.logs);
  t.ok(
    recorder.ours.some((record) => record.source === 'server POST /billing/charge body'),
    'the charge post was recorded',
  );
  t.same(recorder.leaks(CARD), [], 'no card number, expiry or security code reached the service');
  const typed = recorder.sentTo(env.standin.origin, CARD).map((leak) => leak.what);
  t.same([...new Set(typed)].sort(), ['cvv', 'expiry', 'number'], 'the card went to Authorize.Net (the stand-in)');
  await page.context().close();
}

async function leakyPage(t: Test, browser: Browser, recorder: CardLeakRecorder, env: Env, origin: string) {
  recorder.reset();
  const page = await newPage(browser, recorder, origin);
  const { url } = await env.purchaseLink();
  await pay(page, `${origin}${LEAKY_PATH}${url.search}`, true);
  await page.getByRole('heading', { name: 'This request is not valid' }).waitFor();
  await recorder.captureBrowserState(page, origin);
  const leaks = recorder.leaks(CARD);
  const found = (what: string) => leaks.filter((leak) => leak.what === what).map((leak) => leak.source);
  for (const what of ['number', 'expiry', 'cvv']) {
    t.ok(found(what).includes('server POST /billing/charge body'), `the ${what} in the body the server received`);
    t.ok(found(what).includes(`browser POST ${origin}/billing/charge body`), `the ${what} in the browser's post`);
  }
  t.equal(env.charges().length, 1, 'and the service refused the form: nothing charged');
  await page.context().close();
}
