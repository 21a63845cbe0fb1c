// The booking page in Chromium against the real server in sandbox mode (the demo clinic on the
// org emulator, connected at start; the Authorize.Net stand-in takes the Initial Assessment's
// deposit): book and pay, see the confirmation, reschedule, cancel; a run with the
// keyboard alone; axe-core on every step (no serious or critical WCAG 2.2 AA violation); 320px
// width. Screenshots of each step go to test/e2e/screenshots/ (not committed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { tempDataDir } from '../helpers/backends.ts';
import { CHROMIUM, chromiumAvailable } from '../helpers/chromium.ts';
import { freePort, startServer, waitFor } from '../helpers/process.ts';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

if (chromiumAvailable(t, 'the booking page in Chromium')) await run();

async function run(): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), SANDBOX_ORG_PORT: String(await freePort()) });
  const bookingUrl = await waitFor(
    'the booking page URL',
    async () => /Book at the demo clinic: (https:\/\/[^\s"\\]+)/.exec(server.output())?.[1],
    120_000,
  );
  // Busy time comes from the first sync: wait for it so the page's free times are the real ones.
  await waitFor('the first sync', async () => (/org changes synced/.test(server.output()) ? true : undefined), 120_000);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());

  t.test('book, see the confirmation, reschedule and cancel, with axe on every step', (t) =>
    bookRescheduleCancel(t, browser, bookingUrl),
  );
  t.test('a booking made with the keyboard alone', (t) => keyboardOnly(t, browser, bookingUrl));
}

async function newPage(browser: Browser, options: { timezoneId?: string; width?: number } = {}): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: 'en-GB',
    timezoneId: options.timezoneId ?? 'Europe/London',
    viewport: { width: options.width ?? 375, height: 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A CSP violation is reported on the console: any would mean something inline slipped in.
    // Failed loads are counted below, where a page answered with a 4xx on purpose can be told apart.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') {
      errors.push(`${response.status()} ${response.url()}`);
    }
  });
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

/** axe on the page as it is, and a screenshot named after the step. */
async function check(t: Test, page: Page, step: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${step}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  t.same(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `${step}: no serious or critical axe violations`,
  );
  t.same((page as Page & { errors: string[] }).errors, [], `${step}: no script or CSP errors`);
}

async function bookRescheduleCancel(t: Test, browser: Browser, bookingUrl: string): Promise<void> {
  // A patient in New York: the page offers their zone, and they take it.
  const page = await newPage(browser, { timezoneId: 'America/New_York' });
  await page.goto(bookingUrl);
  t.equal(await page.locator('h1').textContent(), 'Book an appointment');
  t.equal(await page.locator('.org-name').textContent(), 'Riverside Physiotherapy Clinic');
  await check(t, page, '01-services');

  await page.getByRole('link', { name: /Choose Initial Assessment/ }).click();
  t.equal(await page.locator('h1').textContent(), 'Choose a day');
  const offer = page.locator('[data-tz-offer]');
  t.ok(await offer.isVisible(), 'the device zone is offered');
  t.match(await offer.textContent(), 'Your device is set to America/New_York.');
  await check(t, page, '02-day');
  await page.getByRole('link', { name: 'Show times in America/New_York' }).click();
  t.match(await page.locator('main').textContent(), 'Times are shown in America/New_York.');
  t.equal(await page.locator('select#tz').inputValue(), 'America/New_York');

  await page.getByRole('link', { name: 'Next week' }).click();
  await page.locator('ul.days a.choice').first().click();
  t.equal(await page.locator('h1').textContent(), 'Choose a time');
  await check(t, page, '03-time');
  await page.locator('ul.times a.choice').first().click();
  t.equal(await page.locator('h1').textContent(), 'Your details');
  await check(t, page, '04-details');

  // Send it empty: the summary takes focus and lists what to fix.
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  t.equal(await page.evaluate('document.activeElement?.className'), 'error-summary', 'focus on the summary');
  t.equal(await page.locator('#name').getAttribute('aria-invalid'), 'true');
  await check(t, page, '05-details-errors');

  await page.locator('#name').fill('Zoë Ålander 👩🏽‍⚕️ مريم');
  await page.locator('#phone').fill('+44 7911 123456');
  await page.locator('#smsConsent').check();
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  // The deposit, through the stand-in's AcceptUI form.
  t.equal(await page.locator('h1').textContent(), 'Pay the deposit');
  await check(t, page, '06-payment');
  await page.getByRole('button', { name: 'Pay the deposit by card' }).click();
  const card = page.frameLocator('#AcceptUIContainer');
  await card.locator('input[name=cardNumber]').fill('4111 1111 1111 1111');
  await card.locator('input[name=expirationDate]').fill('12/35');
  await card.locator('input[name=zip]').fill('10001');
  await card.locator('#pay').click();
  await page.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
  t.match(await page.locator('main').textContent(), 'Deposit paid: US$20.00.');
  t.match(await page.locator('dl.summary').textContent(), /(EST|EDT|GMT-[45])/, 'in the patient zone, abbreviated');
  await check(t, page, '06-confirmation');

  // Reschedule: a later time in the same week.
  await page.getByRole('link', { name: 'Change the time' }).click();
  t.equal(await page.locator('h1').textContent(), 'Your appointment');
  await check(t, page, '07-manage-reschedule');
  await page.getByRole('link', { name: 'Choose a new time' }).click();
  await check(t, page, '08-reschedule-day');
  await page.locator('ul.days a.choice').last().click();
  await check(t, page, '09-reschedule-time');
  await page.locator('ul.times a.choice').last().click();
  t.equal(await page.locator('h1').textContent(), 'Move your appointment?');
  await check(t, page, '10-reschedule-confirm');
  await page.getByRole('button', { name: 'Yes, move it' }).click();
  t.equal(await page.locator('h1').textContent(), 'Your appointment has been moved');
  await check(t, page, '11-moved');

  await page.getByRole('link', { name: 'Cancel the appointment' }).click();
  await page.getByRole('link', { name: 'Cancel the appointment' }).click();
  t.equal(await page.locator('h1').textContent(), 'Cancel this appointment?');
  await check(t, page, '12-cancel-confirm');
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  t.equal(await page.locator('h1').textContent(), 'Your appointment is cancelled');
  t.match(await page.locator('main').textContent(), 'Your deposit of US$20.00 is being given back to your card.');
  await check(t, page, '13-cancelled');

  // A tampered link: a page that says so, with a 403.
  const response = await page.goto(new URL('/manage?token=not-a-real-token', bookingUrl).toString());
  t.equal(response?.status(), 403);
  t.equal(await page.locator('h1').textContent(), 'This link does not work');
  await check(t, page, '14-bad-link');

  // The narrowest phone: nothing scrolls sideways.
  const narrow = await newPage(browser, { width: 320 });
  await narrow.goto(bookingUrl);
  await narrow.getByRole('link', { name: /Choose Initial Assessment/ }).click();
  t.ok(await narrow.evaluate('document.documentElement.scrollWidth <= 320'), 'no horizontal scrolling at 320px');
  await check(t, narrow, '15-day-320px');
}

/** Presses Tab until the focused element `el` satisfies `condition` (a script expression). */
async function tabTo(page: Page, condition: string, what: string): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`((el) => Boolean(el && (${condition})))(document.activeElement)`)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

async function keyboardOnly(t: Test, browser: Browser, bookingUrl: string): Promise<void> {
  const page = await newPage(browser);
  await page.goto(bookingUrl);
  await page.keyboard.press('Tab');
  t.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to main content', 'skip link first');
  await page.keyboard.press('Enter');
  await tabTo(page, "el.tagName === 'A' && /Choose/.test(el.textContent)", 'a service');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/book\/[^/]+\/[^/?]+/);
  await tabTo(page, "el.textContent === 'Next week'", 'next week');
  await page.keyboard.press('Enter');
  await page.waitForURL(/week=/);
  await tabTo(page, "el.classList.contains('choice')", 'a day');
  await page.keyboard.press('Enter');
  await page.waitForURL(/date=/);
  await tabTo(page, "el.classList.contains('choice')", 'a time');
  await page.keyboard.press('Enter');
  await page.waitForURL(/details/);
  t.equal(await page.locator('h1').textContent(), 'Your details');
  await tabTo(page, "el.id === 'name'", 'the name field');
  await page.keyboard.type('Keyboard Patient');
  await page.keyboard.press('Tab');
  t.equal(await page.evaluate('document.activeElement?.id'), 'phone');
  await page.keyboard.type('07911 123457');
  await tabTo(page, "el.id === 'smsConsent'", 'the consent box');
  await page.keyboard.press('Space');
  t.ok(await page.locator('#smsConsent').isChecked(), 'Space ticks the box');
  await tabTo(page, "el.tagName === 'BUTTON' && /Book/.test(el.textContent)", 'the book button');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/manage\/booked/);
  t.equal(await page.locator('h1').textContent(), 'Your appointment is booked');
  await check(t, page, '20-keyboard-confirmation');
}
