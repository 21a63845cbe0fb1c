// The waitlist's join form in Chromium against the real server in sandbox mode (where the Twilio
// stand-in makes SMS, so the waitlist, available): axe-core finds no serious or critical WCAG 2.2
// AA violation on the form, on its errors, or on a refusal; the error summary takes focus; no
// script or CSP error.
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { tempDataDir } from '../helpers/backends.ts';
import { CHROMIUM, chromiumAvailable } from '../helpers/chromium.ts';
import { freePort, startServer, waitFor } from '../helpers/process.ts';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

if (chromiumAvailable(t, 'the waitlist form in Chromium')) await run();

async function run(): Promise<void> {
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), SANDBOX_ORG_PORT: String(await freePort()) });
  const bookingUrl = await waitFor(
    'the booking page URL',
    async () => /Book at the demo clinic: (https:\/\/[^\s"\\]+)/.exec(server.output())?.[1],
    120_000,
  );
  // The demo org is connected and its configuration read by the first sync.
  await waitFor('the first sync', async () => (/org changes synced/.test(server.output()) ? true : undefined), 120_000);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: 'en-GB',
    viewport: { width: 320, height: 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });

  const check = async (t: Test, step: string) => {
    const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    t.same(
      serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `${step}: no serious or critical axe violations`,
    );
    t.same(errors, [], `${step}: no script or CSP errors`);
  };

  t.test('the join form, its errors and a refusal, with axe at 320px', async (t) => {
    await page.goto(bookingUrl);
    const href = await page.getByRole('link', { name: /Choose Follow-up Treatment/ }).getAttribute('href');
    // Follow-up Treatment: no deposit (a type with one has no waitlist). A weekday three weeks ahead:
    // a working day of the demo clinic, with times free.
    const day = new Date(Date.now() + 21 * 86_400_000);
    day.setUTCDate(day.getUTCDate() + ((8 - day.getUTCDay()) % 7));
    const date = day.toISOString().slice(0, 10);
    await page.goto(new URL(`${href}/waitlist?date=${date}&tz=Europe/London`, bookingUrl).toString());
    t.equal(await page.locator('h1').textContent(), 'Join the waitlist');
    await check(t, 'join form');

    await page.getByRole('button', { name: 'Join the waitlist' }).click();
    t.equal(await page.locator('h1').textContent(), 'Join the waitlist');
    t.equal(await page.evaluate('document.activeElement?.className'), 'error-summary', 'focus on the summary');
    t.equal(await page.locator('#smsConsent').getAttribute('aria-invalid'), 'true');
    await check(t, 'join form errors');

    await page.locator('#name').fill('Bea Waiting');
    await page.locator('#phone').fill('07400 123456');
    await page.getByLabel(/I agree to receive/).check();
    await page.getByRole('button', { name: 'Join the waitlist' }).click();
    t.equal(await (page as Page).locator('#refusal-title').textContent(), 'This day has free times');
    await check(t, 'join refused: the day has free times');
  });
}
