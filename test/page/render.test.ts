// Each booking page step renders from the booking service, escapes what it shows, and keeps the
// CSP: no inline script or style anywhere, assets from the service itself.
import t, { type Test } from 'tap';
import { TYPE_ID } from './fake-booking.ts';
import { formFields, heading, input, linkTo, links, pageApp, tags } from './page-app.ts';

// One app for the file: building one opens a store, which takes a while.
const { app, fake } = await pageApp(t);
const ORIGINAL = fake.orgInfo;
t.afterEach(() => {
  fake.orgInfo = ORIGINAL;
  fake.unreachable = false;
});

const BOOK = `/book/riverside-clinic`;
const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';frame-src 'none';frame-ancestors 'none';form-action 'self';base-uri 'none';object-src 'none';upgrade-insecure-requests";

function assertNothingInline(t: Test, html: string) {
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  t.notMatch(html, /<style/, 'no style element');
  t.notMatch(html, /\sstyle=/, 'no style attribute');
  t.notMatch(html, /\son[a-z]+=/, 'no event handler attribute');
  t.notMatch(html, /javascript:/, 'no javascript: URL');
}

t.test('the services step lists the clinic types in its colour, with steps, landmarks and a skip link', async (t) => {
  const res = await app.inject({ url: BOOK });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
  t.equal(res.headers['content-security-policy'], CSP, 'the base CSP, unchanged');
  t.equal(res.headers['cache-control'], 'no-store');
  t.equal(heading(res.body), 'Book an appointment');
  t.match(res.body, '<html lang="en-GB" dir="ltr">');
  t.match(res.body, 'Step 1 of 5');
  t.match(res.body, 'Riverside Physiotherapy Clinic');
  t.match(res.body, '<a class="skip-link" href="#main">');
  t.match(res.body, '<main id="main"');
  t.equal(res.body.match(/<h1>/g)?.length, 1, 'one h1');
  t.match(res.body, 'href="/assets/brand/1b5fa8.css"');
  t.match(res.body, '45 minutes');
  t.equal(linkTo(res.body, `${BOOK}/`), `${BOOK}/${TYPE_ID}`);
  assertNothingInline(t, res.body);
});

t.test('the language follows Accept-Language where English is asked for with a region', async (t) => {
  const res = await app.inject({ url: BOOK, headers: { 'accept-language': 'en-US,en;q=0.8' } });
  t.match(res.body, '<html lang="en-US"');
  const other = await app.inject({ url: BOOK, headers: { 'accept-language': 'xx' } });
  t.match(other.body, '<html lang="en-GB"', 'a language the pages do not speak falls back to English');
});

t.test('the day step shows a week of days from today in the clinic zone, days with times as links', async (t) => {
  const res = await app.inject({ url: `${BOOK}/${TYPE_ID}` });
  t.equal(res.statusCode, 200);
  t.equal(heading(res.body), 'Choose a day');
  t.match(res.body, 'Step 2 of 5');
  t.match(res.body, 'Times are shown in Europe/London.');
  // Monday 2 March at noon: that day is over (slots end at 12:00), Tuesday to Friday have 6 each.
  t.match(res.body, /Monday 2 March<\/span><span>No free times/);
  t.match(res.body, /Tuesday 3 March<\/span><span>6 times free/);
  t.match(res.body, /Saturday 7 March<\/span><span>No free times/);
  t.ok(links(res.body).includes(`${BOOK}/${TYPE_ID}?week=2026-03-02&date=2026-03-03`));
  t.ok(links(res.body).includes(`${BOOK}/${TYPE_ID}?week=2026-03-09`), 'next week');
  t.notOk(res.body.includes('Previous week'), 'no week before today');
  t.match(res.body, '<option selected>Europe/London</option>');
  t.match(res.body, '<option>Asia/Tokyo</option>', 'the IANA zones to pick from');
  t.match(res.body, 'data-tz-offer data-current="Europe/London" hidden', 'the script may offer the device zone');

  const next = await app.inject({ url: `${BOOK}/${TYPE_ID}?week=2026-03-09` });
  t.ok(links(next.body).includes(`${BOOK}/${TYPE_ID}?week=2026-03-02`), 'previous week from the next one');
  const past = await app.inject({ url: `${BOOK}/${TYPE_ID}?week=2020-01-06` });
  t.match(past.body, 'Monday 2 March to Sunday 8 March', 'a week in the past shows this week');
  assertNothingInline(t, res.body);
});

t.test('the time step lists the day times in the chosen zone; a chosen zone is kept in every link', async (t) => {
  const london = await app.inject({ url: `${BOOK}/${TYPE_ID}?date=2026-03-03` });
  t.equal(heading(london.body), 'Choose a time');
  t.match(london.body, 'Step 3 of 5');
  t.match(london.body, 'Tuesday, 3 March 2026');
  t.match(london.body, /details[^"]*"\s*>\s*9:00\s*<\/a/, 'a link per time');
  t.ok(links(london.body).includes(`${BOOK}/${TYPE_ID}/details?start=2026-03-03T09%3A00%3A00.000Z&tz=Europe%2FLondon`));

  const tokyo = await app.inject({ url: `${BOOK}/${TYPE_ID}?date=2026-03-03&tz=Asia/Tokyo` });
  t.match(tokyo.body, 'Times are shown in Asia/Tokyo.');
  t.match(tokyo.body, /details[^"]*"\s*>\s*18:00\s*<\/a/, '09:00 in London is 18:00 in Tokyo');
  t.notOk(tokyo.body.includes('data-tz-offer'), 'no offer once the patient chose a zone');
  t.ok(links(tokyo.body).includes(`${BOOK}/${TYPE_ID}?week=2026-03-03&tz=Asia%2FTokyo`), 'another day keeps the zone');
  t.match(tokyo.body, '<form class="tz-form" method="get" action="/book/riverside-clinic/' + TYPE_ID + '">');
  t.ok(
    tags(tokyo.body, 'input').some((i) => i.type === 'hidden' && i.name === 'date' && i.value === '2026-03-03'),
    'the zone form keeps the day',
  );

  const bad = await app.inject({ url: `${BOOK}/${TYPE_ID}?tz=Mars/Olympus` });
  t.equal(bad.statusCode, 400);
  t.equal(heading(bad.body), 'Unknown time zone');
  const badDate = await app.inject({ url: `${BOOK}/${TYPE_ID}?date=2026-02-30` });
  t.equal(badDate.statusCode, 400, 'not a calendar date');
});

t.test(
  'the details step has labelled fields, the consent text, a fresh idempotency key and the chosen time',
  async (t) => {
    fake.orgInfo = { ...ORIGINAL, name: 'Riverside' };
    const url = `${BOOK}/${TYPE_ID}/details?start=2026-03-03T09:00:00.000Z&tz=Europe/London`;
    const first = await app.inject({ url });
    const second = await app.inject({ url });
    t.equal(first.statusCode, 200);
    t.equal(heading(first.body), 'Your details');
    t.match(first.body, 'Step 4 of 5');
    t.match(first.body, 'Tuesday, 3 March 2026 at 09:00 GMT');
    for (const field of ['name', 'phone', 'email', 'smsConsent']) {
      t.match(first.body, `<label for="${field}"`, `${field} has a label`);
      t.match(first.body, new RegExp(`id="${field}"`));
    }
    t.match(input(first.body, 'phone'), {
      type: 'tel',
      name: 'phone',
      value: '',
      dir: 'auto',
      autocomplete: 'tel',
      'aria-describedby': 'phone-hint',
    });
    t.notOk(input(first.body, 'phone')!['aria-invalid'], 'not invalid before a mistake');
    t.match(first.body, 'I agree to receive appointment confirmations and reminders by SMS from Riverside.');
    const key = (html: string) => /name="idempotencyKey" value="([^"]+)"/.exec(html)?.[1];
    t.ok(key(first.body));
    t.not(key(first.body), key(second.body), 'a new key per render');
    t.equal(formFields(first.body, `${BOOK}/${TYPE_ID}/details`).start, '2026-03-03T09:00:00.000Z');
    t.ok(links(first.body).includes(`${BOOK}/${TYPE_ID}?date=2026-03-03&tz=Europe%2FLondon`), 'choose another time');
    assertNothingInline(t, first.body);
  },
);

t.test('names and org text with markup are escaped everywhere they are shown', async (t) => {
  const evil = '<script>alert(1)</script>"\'&';
  fake.orgInfo = {
    ...ORIGINAL,
    name: evil,
    types: [{ id: TYPE_ID, name: evil, description: evil, durationMinutes: 45, price: null, deposit: null }],
  };
  for (const url of [BOOK, `${BOOK}/${TYPE_ID}`, `${BOOK}/${TYPE_ID}/details?start=2026-03-03T09:00:00.000Z&tz=UTC`]) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
    t.notOk(res.body.includes('<script>alert'), `${url}: no markup from data`);
    t.match(res.body, '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    assertNothingInline(t, res.body);
  }
});

t.test(
  'the script and stylesheet are served with long caching under hashed names; the brand sheet contrasts',
  async (t) => {
    const page = await app.inject({ url: BOOK });
    const script = tags(page.body, 'script').find((s) =>
      /^\/assets\/booking\.[0-9a-f]{12}\.js$/.test(s.src ?? ''),
    )?.src;
    const sheet = tags(page.body, 'link').find((l) =>
      /^\/assets\/booking\.[0-9a-f]{12}\.css$/.test(l.href ?? ''),
    )?.href;
    t.ok(script && sheet, 'hashed asset addresses');
    const js = await app.inject({ url: script! });
    t.equal(js.statusCode, 200);
    t.match(js.headers['content-type'], /javascript/);
    t.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    t.match(js.body, 'resolvedOptions().timeZone');
    const css = await app.inject({ url: sheet! });
    t.match(css.headers['content-type'], /text\/css/);
    t.match(css.body, 'min-height: 2.75rem', '44px targets');

    const dark = await app.inject({ url: '/assets/brand/1b5fa8.css' });
    t.equal(dark.headers['cache-control'], 'public, max-age=31536000, immutable');
    t.match(dark.body, 'background-color:#1b5fa8;color:#ffffff', 'white on a dark brand');
    const light = await app.inject({ url: '/assets/brand/ffd700.css' });
    t.match(light.body, 'background-color:#ffd700;color:#000000', 'black on a light brand');
    const bad = await app.inject({ url: '/assets/brand/red;}body{x.css' });
    t.equal(bad.statusCode, 400);

    fake.orgInfo = { ...ORIGINAL, brandColor: 'red; background: url(x)' };
    const res = await app.inject({ url: BOOK });
    t.match(res.body, 'href="/assets/brand/1f4e79.css"', 'a colour that is not #RRGGBB falls back to the default');
  },
);

t.test(
  'unknown clinics and types get 404 pages; an unreachable org a 503 page saying nothing was booked',
  async (t) => {
    const page = await app.inject({ url: '/book/nobody-here' });
    t.equal(page.statusCode, 404);
    t.match(page.headers['content-type'], /text\/html/);
    t.equal(heading(page.body), 'Booking page not found');
    const type = await app.inject({ url: `${BOOK}/a0B000000000009AAA` });
    t.equal(type.statusCode, 404);
    t.equal(heading(type.body), 'Appointment not found');
    t.match(type.body, 'href="/assets/brand/1b5fa8.css"', 'the error page still wears the clinic colour');
    t.ok(links(type.body).includes(BOOK), 'a way back');
    const malformed = await app.inject({ url: '/book/riverside-clinic/not-an-id' });
    t.equal(malformed.statusCode, 400);
    t.equal(heading(malformed.body), 'This address is not valid');

    fake.unreachable = true;
    const down = await app.inject({ url: BOOK });
    t.equal(down.statusCode, 503);
    t.match(down.body, 'Nothing was booked or changed.');
    assertNothingInline(t, down.body);
  },
);

t.test("the details step shows the clinic's own consent text, escaped, instead of the generic one", async (t) => {
  fake.orgInfo = {
    ...ORIGINAL,
    consentText: 'Texts from Riverside & Co <b>only</b>. Reply STOP.',
    consentTextVersion: 'v7',
  };
  t.teardown(() => {
    fake.orgInfo = ORIGINAL;
  });
  const page = await app.inject({ url: `${BOOK}/${TYPE_ID}/details?start=2026-03-03T09:00:00.000Z&tz=Europe/London` });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Texts from Riverside &amp; Co &lt;b&gt;only&lt;/b&gt;. Reply STOP.');
  t.notMatch(page.body, 'I agree to receive appointment confirmations', 'not the generic text');
});
