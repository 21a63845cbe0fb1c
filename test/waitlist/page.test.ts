// The waitlist's pages over in-memory services: the picker's quiet link (full working days only,
// and only where there is a waitlist), the join form (labels, hints and errors linked by
// aria-describedby, values kept and escaped, a refusal at the top), the offer page and its 410.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import t from 'tap';
import { createLogger } from '../../service/src/logger.ts';
import { errorsPlugin } from '../../service/src/plugins/errors.ts';
import { rateLimitPlugin } from '../../service/src/plugins/rate-limit.ts';
import { requestLogPlugin } from '../../service/src/plugins/request-log.ts';
import { securityPlugin } from '../../service/src/plugins/security.ts';
import { bookingPageRoutes } from '../../service/src/routes/booking-page.ts';
import { waitlistPageRoutes } from '../../service/src/routes/waitlist-page.ts';
import { offerExpired } from '../../service/src/waitlist/confirm.ts';
import { waitlistProblem } from '../../service/src/waitlist/errors.ts';
import type { JoinInput, OfferView, WaitlistService } from '../../service/src/waitlist/service.ts';
import { FakeBooking, TYPE_ID } from '../page/fake-booking.ts';
import { formFields, heading, input, links, NOW, postForm, tags } from '../page/page-app.ts';

const BOOK = '/book/riverside-clinic';
const JOIN = `${BOOK}/${TYPE_ID}/waitlist`;
const TOKEN = 'A'.repeat(52);

/** The waitlist as the pages use it: joins recorded, an offer to show, refusals on demand. */
class FakeWaitlist {
  readonly joins: JoinInput[] = [];
  refuse: Error | undefined;
  offerView: OfferView = {
    state: 'open',
    orgName: 'Riverside Physiotherapy Clinic',
    orgSlug: 'riverside-clinic',
    typeName: 'Initial Assessment',
    resourceName: 'Dr <b>Okafor</b>',
    start: '2026-03-03T09:00:00.000Z',
    end: '2026-03-03T09:45:00.000Z',
    timeZone: 'Europe/London',
    expiresAt: '2026-03-02T12:15:00.000Z',
  };

  async workingDays(_slug: string, _typeId: string, from: string, to: string): Promise<Set<string>> {
    // Weekdays work, weekends do not (the in-memory clinic's hours).
    const days = new Set<string>();
    for (
      let day = new Date(`${from}T12:00:00Z`);
      day <= new Date(`${to}T12:00:00Z`);
      day.setUTCDate(day.getUTCDate() + 1)
    ) {
      if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) days.add(day.toISOString().slice(0, 10));
    }
    return days;
  }
  async join(_slug: string, input: JoinInput) {
    if (this.refuse) throw this.refuse;
    this.joins.push(input);
    return {
      entry: {
        typeId: input.typeId,
        date: input.date,
        timeZone: input.timeZone,
        state: 'waiting' as const,
        position: 3,
      },
      replayed: false,
    };
  }
  async offer(): Promise<OfferView> {
    if (this.refuse) throw this.refuse;
    return this.offerView;
  }
  async confirm() {
    if (this.refuse) throw this.refuse;
    return { cancelToken: 'c'.repeat(52), rescheduleToken: 'r'.repeat(52), replayed: false };
  }
  async decline() {
    return { orgSlug: 'riverside-clinic' };
  }
}

async function pagesApp(
  withWaitlist: boolean,
): Promise<{ app: FastifyInstance; fake: FakeBooking; waitlist: FakeWaitlist }> {
  const app = Fastify({
    loggerInstance: createLogger('silent', { write: () => {} }),
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  t.teardown(() => app.close());
  await app.register(requestLogPlugin);
  await app.register(securityPlugin, { trustProxy: false });
  await app.register(rateLimitPlugin, { perMinute: 10_000 });
  await app.register(errorsPlugin);
  const fake = new FakeBooking(() => NOW);
  const waitlist = new FakeWaitlist();
  const service = waitlist as unknown as WaitlistService;
  await app.register(bookingPageRoutes, {
    booking: () => fake,
    now: () => NOW,
    ...(withWaitlist ? { waitlist: () => service } : {}),
  });
  if (withWaitlist) await app.register(waitlistPageRoutes, { booking: () => fake, waitlist: () => service });
  await app.ready();
  return { app, fake, waitlist };
}

const { app, fake, waitlist } = await pagesApp(true);
t.afterEach(() => {
  waitlist.refuse = undefined;
});

t.test('the picker links the waitlist from full working days only', async (t) => {
  // Monday 2 March: today's times are over. The weekend is closed.
  fake.takenByOthers.clear();
  const days = await app.inject({ url: `${BOOK}/${TYPE_ID}` });
  const joinLinks = links(days.body).filter((href) => href.startsWith(`${JOIN}?`));
  t.same(joinLinks, [`${JOIN}?date=2026-03-02&tz=Europe%2FLondon`], 'Monday only: Saturday and Sunday never work');
  t.match(days.body, 'Join the waitlist for Monday 2 March');

  const tuesday = await app.inject({ url: `${BOOK}/${TYPE_ID}?date=2026-03-03` });
  t.notOk(
    links(tuesday.body).some((href) => href.startsWith(JOIN)),
    'a day with times has no waitlist',
  );
  const monday = await app.inject({ url: `${BOOK}/${TYPE_ID}?date=2026-03-02&tz=America/New_York` });
  t.ok(links(monday.body).includes(`${JOIN}?date=2026-03-02&tz=America%2FNew_York`), 'in the chosen zone');

  const without = await pagesApp(false);
  const plain = await without.app.inject({ url: `${BOOK}/${TYPE_ID}` });
  t.notMatch(plain.body, 'waitlist', 'no SMS, no waitlist');
  t.equal((await without.app.inject({ url: `${JOIN}?date=2026-03-02` })).statusCode, 404);
});

t.test('the join form: labels, hint and errors linked, values kept and escaped', async (t) => {
  const form = await app.inject({ url: `${JOIN}?date=2026-03-02&tz=Europe/London` });
  t.equal(form.statusCode, 200);
  t.equal(heading(form.body), 'Join the waitlist');
  t.match(form.body, 'Monday 2 March is fully booked.');
  for (const id of ['name', 'phone', 'smsConsent']) t.match(form.body, `<label for="${id}"`, `${id} has a label`);
  t.match(input(form.body, 'phone'), { type: 'tel', autocomplete: 'tel', 'aria-describedby': 'phone-hint' });
  t.match(form.body, 'I agree to receive a text message from Riverside Physiotherapy Clinic when a time comes free.');
  t.notMatch(form.body, /<script(?![^>]*\bsrc=)[^>]*>|\sstyle=/, 'nothing inline');
  t.ok(links(form.body).includes(`${BOOK}/${TYPE_ID}?date=2026-03-02&tz=Europe%2FLondon`), 'back to the day');

  const fields = formFields(form.body, JOIN);
  const refused = await postForm(app, JOIN, { ...fields, name: '<b>Bea</b>', phone: '12' });
  t.equal(refused.statusCode, 400);
  t.equal(waitlist.joins.length, 0, 'nothing joined');
  t.match(refused.body, 'role="alert"');
  const summary = links(refused.body).filter((href) => href.startsWith('#'));
  t.same(summary.sort(), ['#main', '#phone', '#smsConsent'], 'each error links to its field');
  t.match(input(refused.body, 'phone'), {
    value: '12',
    'aria-invalid': 'true',
    'aria-describedby': 'phone-hint phone-error',
  });
  t.match(input(refused.body, 'smsConsent'), { 'aria-describedby': 'smsConsent-error' });
  t.match(input(refused.body, 'name'), { value: '<b>Bea</b>' });
  t.notMatch(refused.body, '<b>Bea</b>', 'escaped');

  const joined = await postForm(app, JOIN, {
    ...fields,
    name: 'Bea Waiting',
    phone: '07400 123456',
    smsConsent: 'yes',
  });
  t.equal(joined.statusCode, 303);
  t.match(waitlist.joins, [
    { typeId: TYPE_ID, date: '2026-03-02', timeZone: 'Europe/London', smsConsent: true, locale: 'en-GB' },
  ]);
  const done = await app.inject({ url: joined.headers.location as string });
  t.equal(heading(done.body), 'You are on the waitlist');
  t.match(done.body, 'You are number 3 in line.');

  waitlist.refuse = waitlistProblem('waitlist_limit', 'Limit');
  const limited = await postForm(app, JOIN, {
    ...fields,
    name: 'Bea Waiting',
    phone: '07400 123456',
    smsConsent: 'yes',
  });
  t.equal(limited.statusCode, 429);
  t.match(limited.body, 'You are on the waitlist for as many days as you can be');
  t.match(input(limited.body, 'phone'), { value: '07400 123456' }, 'the values are kept');

  const badDate = await app.inject({ url: `${JOIN}?date=tomorrow` });
  t.equal(badDate.statusCode, 400);
});

t.test('the offer page: the held time, book or pass on; an expired one is a 410 page', async (t) => {
  const offer = await app.inject({ url: `/waitlist/offer?token=${TOKEN}` });
  t.equal(offer.statusCode, 200);
  t.equal(heading(offer.body), 'A time has come free for you');
  t.match(offer.body, 'Tuesday, 3 March 2026 at 09:00 GMT');
  t.match(offer.body, 'It is held for you until 12:15.');
  t.match(offer.body, 'Dr &lt;b&gt;Okafor&lt;/b&gt;');
  const forms = tags(offer.body, 'form').map((form) => form.action);
  t.same(forms, ['/waitlist/offer', '/waitlist/offer/decline']);
  t.same(formFields(offer.body, '/waitlist/offer'), { token: TOKEN });

  const booked = await postForm(app, '/waitlist/offer', { token: TOKEN });
  t.equal(booked.statusCode, 303);
  t.match(booked.headers.location, /^\/manage\/booked\?cancel=c+&reschedule=r+$/);

  const declined = await postForm(app, '/waitlist/offer/decline', { token: TOKEN });
  t.equal(declined.statusCode, 303);
  t.equal(heading((await app.inject({ url: declined.headers.location as string })).body), 'You have left the waitlist');

  waitlist.refuse = offerExpired();
  const expired = await app.inject({ url: `/waitlist/offer?token=${TOKEN}` });
  t.equal(expired.statusCode, 410);
  t.equal(heading(expired.body), 'This offer has expired');
  t.match(expired.headers['content-type'], /text\/html/);
  const lateBooking = await postForm(app, '/waitlist/offer', { token: TOKEN });
  t.equal(lateBooking.statusCode, 410);
  t.equal((await app.inject({ url: '/waitlist/offer?token=not a token' })).statusCode, 400);
});
