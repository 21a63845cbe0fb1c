// The waitlist end to end through the public API: bad joins refused with clear problems, B and C
// join, A cancels, B is texted an offer and lets it run out (held for seconds here), C, next in
// line, is texted it; B's link then says the offer has expired (410); C passes it on and the slot
// is free for anyone again.
import t from 'tap';
import { heading, postForm } from '../page/page-app.ts';
import { syncNow } from '../reminders/helpers.ts';
import {
  API,
  book,
  componentLogs,
  offerToken,
  PATIENT_A,
  PATIENT_B,
  PATIENT_C,
  SLUG,
  textsTo,
  until,
  waitlistApp,
} from './helpers.ts';

const OFFER_MS = 8_000;

t.test('B lets the offer run out, C (next in line) is offered the slot', async (t) => {
  const env = await waitlistApp(t, 'postgres', { offerMs: OFFER_MS });
  if (!env) return;
  const { app, org, standin, typeId, day, zone, logs } = env;
  const join = (payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/waitlist`,
      payload: {
        typeId,
        date: day,
        timeZone: zone,
        name: 'Bea Waiting',
        phone: PATIENT_B,
        smsConsent: true,
        locale: 'en-GB',
        ...payload,
      },
    });

  const a = await book(env, PATIENT_A, 'booking-of-patient-a');
  t.equal(a.statusCode, 201, a.body);
  await syncNow(app, org.orgId);

  const openapi = await app.inject({ url: `${API}/openapi.json` });
  t.ok(Object.keys(openapi.json().paths).includes('/orgs/{slug}/waitlist'), 'documented');

  const refusals: [Record<string, unknown>, number, string][] = [
    [{ phone: '+447700900123' }, 400, 'invalid_phone'],
    [{ smsConsent: false }, 400, 'consent_required'],
    [{ typeId: 'no-such-type' }, 404, 'unknown_type'],
    [{ date: '2020-01-01' }, 400, 'outside_horizon'],
    [{ date: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10) }, 400, 'outside_horizon'],
    [{ timeZone: 'Mars/Olympus' }, 400, 'invalid_time_zone'],
    [{ smsConsent: 'yes' }, 400, 'invalid_request'],
  ];
  for (const [change, status, code] of refusals) {
    const refused = await join(change);
    t.equal(refused.statusCode, status, code);
    t.match(refused.json(), { code, title: /\w/ }, code);
    t.match(refused.headers['content-type'], 'application/problem+json');
  }
  const unknownPage = await app.inject({
    method: 'POST',
    url: `${API}/orgs/nowhere/waitlist`,
    payload: { typeId, date: day, timeZone: zone, name: 'B', phone: PATIENT_B, smsConsent: true, locale: 'en-GB' },
  });
  t.equal(unknownPage.statusCode, 404);

  const b = await join({});
  t.equal(b.statusCode, 201, b.body);
  t.match(b.json(), { entry: { date: day, timeZone: zone, state: 'waiting', position: 1 }, replayed: false });
  const bAgain = await join({ phone: '07400 123456' });
  t.equal(bAgain.statusCode, 200, 'joining twice answers success');
  t.match(bAgain.json(), { entry: { position: 1 }, replayed: true });
  const c = await join({ name: 'Cal Next', phone: PATIENT_C });
  t.equal(c.statusCode, 201);
  t.match(c.json(), { entry: { position: 2 } });

  const cancelled = await app.inject({
    method: 'POST',
    url: `${API}/bookings/cancel`,
    payload: { token: (a.json() as { links: { cancelToken: string } }).links.cancelToken },
  });
  t.equal(cancelled.statusCode, 200);
  const bookingKey = (a.json() as { booking: { bookingKey: string } }).booking.bookingKey;
  await until('the cancellation reached the org', () =>
    org.records('Slotwise_Appointment__c').some((r) => r.Booking_Key__c === bookingKey && r.Status__c === 'Cancelled'),
  );
  await syncNow(app, org.orgId);
  const failWithLogs = (error: Error) => {
    throw new Error(`${error.message}\n${componentLogs(logs, ['waitlist', 'sync'])}`);
  };
  await until('B is texted the offer', () => textsTo(standin, PATIENT_B).length > 0).catch(failWithLogs);
  const bToken = offerToken(textsTo(standin, PATIENT_B)[0]!);
  t.equal(textsTo(standin, PATIENT_C).length, 0, 'C waits while B has it');

  await until('C is texted the offer once B’s has run out', () => textsTo(standin, PATIENT_C).length > 0).catch(
    failWithLogs,
  );
  t.match(textsTo(standin, PATIENT_C)[0], /^Hi Cal, a time is free at Riverside Physiotherapy Clinic: Waitlist Visit/);
  const cToken = offerToken(textsTo(standin, PATIENT_C)[0]!);

  const late = await app.inject({ url: `/waitlist/offer?token=${bToken}` });
  t.equal(late.statusCode, 410);
  t.equal(heading(late.body), 'This offer has expired');
  t.match(late.body, 'may now have been offered to the next person');
  const lateConfirm = await postForm(app, '/waitlist/offer', { token: bToken });
  t.equal(lateConfirm.statusCode, 410, 'too late to book with it');
  t.same(
    (await app.storeConnection.store.query<{ state: string }>('select state from waitlist_entry order by id')).map(
      (row) => row.state,
    ),
    ['expired', 'offered'],
  );
  t.equal(textsTo(standin, PATIENT_B).length, 1, 'B is offered once');

  // C's link holds the slot; C passes it on and leaves the waitlist: the slot is free again.
  const offer = await app.inject({ url: `/waitlist/offer?token=${cToken}` });
  t.equal(offer.statusCode, 200);
  const declined = await postForm(app, '/waitlist/offer/decline', { token: cToken });
  t.equal(declined.statusCode, 303);
  const declinedPage = await app.inject({ url: declined.headers.location as string });
  t.equal(heading(declinedPage.body), 'You have left the waitlist');
  const after = await app.inject({ url: `/waitlist/offer?token=${cToken}` });
  t.equal(after.statusCode, 410);
  const someoneElse = await book(env, '+447400111222', 'booking-of-someone-else');
  t.equal(someoneElse.statusCode, 201, 'nobody waits any more: the slot is anyone’s');
});
