// The browser proof for deposits (issue 7): a patient books the demo clinic's Initial Assessment in
// Chromium and pays its deposit with a test card typed into AcceptUI's form, served by the
// Authorize.Net stand-in from its own origin, while everything that reaches the service is recorded
// (card-leak.ts): every raw request body and URL, every browser request to our origin, our cookies
// and storage, the server's log. The card number (in any formatting), the expiry and the security
// code appear nowhere in it, and do appear in the requests to the stand-in. The payment step has no
// serious axe violation and no script or CSP error. A leaky variant of the payment page, which
// posts card fields of its own to us, is caught by the same checks.
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { firstSlot, SLUG } from '../booking/helpers.ts';
import { CHROMIUM, chromiumAvailable } from '../helpers/chromium.ts';
import { CardLeakRecorder, type CardDetails } from './card-leak.ts';
import { depositApp } from './deposit-helpers.ts';

const CARD: CardDetails = { number: '4111111111111111', expiry: '10/33', cvv: '837' };
const LEAKY_PATH = '/test-only/leaky-pay';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

if (chromiumAvailable(t, 'paying a deposit in Chromium')) await run();

async function run(): Promise<void> {
  const recorder = new CardLeakRecorder();
  const env = await depositApp(t, 'pglite', {
    https: true,
    prepare: (app) => {
      recorder.install(app);
      // Test only: the payment step plus card fields of its own inside the form, so paying posts
      // them to us as well. The kind of page the browser proof exists to catch.
      app.get<{ Querystring: { token: string } }>(LEAKY_PATH, async (request, reply) => {
        const real = await app.inject({ method: 'GET', url: `/book/pay?token=${request.query.token}` });
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

  t.test('book and pay a deposit through AcceptUI: no card data reaches the service', (t) =>
    payDeposit(t, browser, recorder, env, origin),
  );
  t.test('a leaky payment page posting card fields to us is caught', (t) =>
    leakyPage(t, browser, recorder, env, origin),
  );
}

type Env = NonNullable<Awaited<ReturnType<typeof depositApp>>>;

async function newPage(browser: Browser, recorder: CardLeakRecorder, origin: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-GB' });
  const page = await context.newPage();
  recorder.watch(page, origin);
  return page;
}

/** The patient's details step for the `skip`-th free time, filled in and sent: on to the payment step. */
async function detailsToPayment(page: Page, env: Env, origin: string, skip: number): Promise<void> {
  const typeId = env.ids.get('TypeInitialRef')!;
  const slot = await firstSlot(env.app, typeId, skip);
  const query = new URLSearchParams({ start: slot.start, tz: 'Europe/London' });
  await page.goto(`${origin}/book/${SLUG}/${typeId}/details?${query}`);
  await page.getByLabel('Full name').fill('Aisha Khan');
  await page.getByLabel('Mobile phone number').fill('07911 123456');
  await Promise.all([
    page.waitForURL(/\/book\/pay\?token=/),
    page.getByRole('button', { name: 'Continue to payment' }).click(),
  ]);
}

/** Opens AcceptUI, types the card into its form, pays. */
async function typeCard(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pay the deposit by card' }).click();
  const form = page.frameLocator('#AcceptUIContainer');
  await form.locator('input[name=cardNumber]').fill('4111 1111 1111 1111');
  await form.locator('input[name=expirationDate]').fill(CARD.expiry);
  await form.locator('input[name=cardCode]').fill(CARD.cvv);
  await form.locator('input[name=zip]').fill('10001');
  await form.locator('#pay').click();
}

async function payDeposit(t: Test, browser: Browser, recorder: CardLeakRecorder, env: Env, origin: string) {
  recorder.reset();
  const page = await newPage(browser, recorder, origin);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));

  await detailsToPayment(page, env, origin, 0);
  t.equal(await page.locator('h1').textContent(), 'Pay the deposit');
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  t.same(
    results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    'the payment step: no serious or critical axe violations',
  );

  await typeCard(page);
  await page.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
  t.match(await page.locator('main').innerText(), /Deposit paid: US\$20\.00\./);
  t.same(errors, [], 'no script or CSP errors');
  const charges = env.standin.transactions();
  t.same(
    charges.map((tx) => [tx.type, tx.authAmountMinor, tx.last4]),
    [['authCaptureTransaction', 2000, '1111']],
    'one charge of the deposit, on the card typed',
  );
  t.match(
    env.org.records('Slotwise_Appointment__c').find((record) => record.Patient_Name__c === 'Aisha Khan'),
    { Payment_Status__c: 'Paid', Payment_Reference__c: charges[0]!.transId },
  );

  await recorder.captureBrowserState(page, origin);
  recorder.addLog(env.logs);
  t.ok(
    recorder.ours.some((record) => record.source === 'server POST /book/pay body'),
    'the payment post was recorded',
  );
  t.same(recorder.leaks(CARD), [], 'no card number, expiry or security code reached the service');
  const typed = recorder.sentTo(env.standin.origin, CARD).map((leak) => leak.what);
  t.same([...new Set(typed)].sort(), ['cvv', 'expiry', 'number'], 'the card went to Authorize.Net (the stand-in)');
  await page.context().close();
}

async function leakyPage(t: Test, browser: Browser, recorder: CardLeakRecorder, env: Env, origin: string) {
  recorder.reset();
  const page = await newPage(browser, recorder, origin);
  await detailsToPayment(page, env, origin, 1);
  const token = new URL(page.url()).searchParams.get('token')!;
  await page.goto(`${origin}${LEAKY_PATH}?token=${token}`);
  await page.getByLabel('Card number').fill('4111 1111 1111 1111');
  await page.getByLabel('Expiry').fill(CARD.expiry);
  await page.getByLabel('Security code').fill(CARD.cvv);
  await typeCard(page);
  await page.getByRole('heading', { name: 'This address is not valid' }).waitFor();
  await recorder.captureBrowserState(page, origin);
  const leaks = recorder.leaks(CARD);
  const found = (what: string) => leaks.filter((leak) => leak.what === what).map((leak) => leak.source);
  for (const what of ['number', 'expiry', 'cvv']) {
    t.ok(found(what).includes('server POST /book/pay body'), `the ${what} in the body the server received`);
    t.ok(found(what).includes(`browser POST ${origin}/book/pay body`), `the ${what} in the browser's post`);
  }
  t.equal(env.standin.transactions().length, 1, 'and the service refused the form: nothing more charged');
  await page.context().close();
}
