// The whole booking flow with no script: follow the links, post the forms, follow the 303s. Then
// the refusals a patient can meet, each a clear 4xx page: bad details, a taken time, bad links.
import t from 'tap';
import { TYPE_ID } from './fake-booking.ts';
import { formFields, heading, input, linkTo, links, pageApp, postForm, tags } from './page-app.ts';

const BOOK = '/book/riverside-clinic';
const DETAILS = `${BOOK}/${TYPE_ID}/details`;
const { app, fake, logs } = await pageApp(t);

async function detailsForm(start = '2026-03-04T10:00:00.000Z', tz = 'Europe/London') {
  const page = await app.inject({ url: `${DETAILS}?start=${encodeURIComponent(start)}&tz=${encodeURIComponent(tz)}` });
  return formFields(page.body, DETAILS);
}

async function book(name: string, start = '2026-03-05T09:30:00.000Z') {
  const res = await postForm(app, DETAILS, {
    ...(await detailsForm(start)),
    name,
    phone: '07400 123456',
    email: '',
    smsConsent: 'yes',
  });
  if (res.statusCode !== 303) throw new Error(`booking answered ${res.statusCode}`);
  return res.headers.location as string;
}

t.test('book, see the confirmation, reschedule and cancel, with links and forms only', async (t) => {
  const services = await app.inject({ url: BOOK });
  const days = await app.inject({ url: linkTo(services.body, `${BOOK}/`) });
  const times = await app.inject({ url: linkTo(days.body, `${BOOK}/${TYPE_ID}?week=`) });
  t.equal(heading(times.body), 'Choose a time');
  const details = await app.inject({ url: linkTo(times.body, `${DETAILS}?`) });
  t.equal(heading(details.body), 'Your details');
  const fields = formFields(details.body, DETAILS);
  t.equal(fields.start, '2026-03-03T09:00:00.000Z', 'the first time of the first free day');

  const posted = await postForm(app, DETAILS, {
    ...fields,
    name: 'Maria O’Brien',
    phone: '07400 123456',
    email: 'maria@example.com',
    smsConsent: 'yes',
  });
  t.equal(posted.statusCode, 303);
  const confirmationUrl = posted.headers.location as string;
  t.match(confirmationUrl, /^\/manage\/booked\?cancel=[\w-]+&reschedule=[\w-]+$/);
  const input = fake.bookings.at(-1)!.input;
  t.match(input, {
    typeId: TYPE_ID,
    start: '2026-03-03T09:00:00.000Z',
    timeZone: 'Europe/London',
    name: 'Maria O’Brien',
    phone: '07400 123456',
    email: 'maria@example.com',
    smsConsent: true,
    locale: 'en-GB',
    idempotencyKey: fields.idempotencyKey,
  });

  const confirmation = await app.inject({ url: confirmationUrl });
  t.equal(confirmation.statusCode, 200);
  t.equal(heading(confirmation.body), 'Your appointment is booked');
  t.match(confirmation.body, 'Step 5 of 5');
  t.match(confirmation.body, 'Tuesday, 3 March 2026 at 09:00 GMT', 'the time in the patient zone, abbreviated');
  t.match(confirmation.body, 'Dr Ada Okafor');
  const { cancelToken, rescheduleToken } = {
    cancelToken: fake.bookings.at(-1)!.tokens.cancel,
    rescheduleToken: fake.bookings.at(-1)!.tokens.reschedule,
  };
  t.ok(links(confirmation.body).includes(`/manage?token=${rescheduleToken}`));
  t.ok(links(confirmation.body).includes(`/manage?token=${cancelToken}`));

  const resent = await postForm(app, DETAILS, { ...fields, name: 'Maria O’Brien', phone: '07400 123456' });
  t.equal(resent.statusCode, 303, 'the same form sent twice');
  t.equal(fake.bookings.length, 1, 'books once');

  // Reschedule: manage page → day → time → confirm → moved.
  const manage = await app.inject({ url: `/manage?token=${rescheduleToken}` });
  t.equal(heading(manage.body), 'Your appointment');
  t.notOk(
    links(manage.body).some((href) => href.startsWith('/manage/cancel')),
    'a reschedule link cannot cancel',
  );
  const pickDay = await app.inject({ url: linkTo(manage.body, '/manage/reschedule?') });
  t.equal(heading(pickDay.body), 'Choose a new day');
  t.match(pickDay.body, 'Step 1 of 3');
  const pickTime = await app.inject({ url: links(pickDay.body).filter((h) => h.includes('date='))[1]! });
  t.equal(heading(pickTime.body), 'Choose a new time');
  const confirm = await app.inject({ url: linkTo(pickTime.body, '/manage/reschedule/confirm?') });
  t.equal(heading(confirm.body), 'Move your appointment?');
  const moved = await postForm(app, '/manage/reschedule', formFields(confirm.body, '/manage/reschedule'));
  t.equal(moved.statusCode, 303);
  t.match(moved.headers.location, /^\/manage\/booked\?cancel=.+&moved=1$/);
  const movedPage = await app.inject({ url: moved.headers.location as string });
  t.equal(heading(movedPage.body), 'Your appointment has been moved');
  t.match(movedPage.body, 'Wednesday, 4 March 2026 at 09:00 GMT');
  t.equal(fake.bookings[0]!.booking.start, '2026-03-04T09:00:00.000Z');

  // The old links went with the old time.
  const old = await app.inject({ url: `/manage?token=${cancelToken}` });
  t.equal(old.statusCode, 403);

  // Cancel: manage → confirm step → cancelled.
  const newCancel = fake.bookings[0]!.tokens.cancel;
  const cancelManage = await app.inject({ url: `/manage?token=${newCancel}` });
  const cancelConfirm = await app.inject({ url: linkTo(cancelManage.body, '/manage/cancel?') });
  t.equal(heading(cancelConfirm.body), 'Cancel this appointment?');
  t.ok(links(cancelConfirm.body).includes(`/manage?token=${newCancel}`), 'a way to keep it');
  const cancelled = await postForm(app, '/manage/cancel', formFields(cancelConfirm.body, '/manage/cancel'));
  t.equal(cancelled.statusCode, 303);
  const cancelledPage = await app.inject({ url: cancelled.headers.location as string });
  t.equal(cancelledPage.statusCode, 200);
  t.equal(heading(cancelledPage.body), 'Your appointment is cancelled');
  t.equal(fake.bookings[0]!.booking.status, 'cancelled');

  const again = await postForm(app, '/manage/cancel', { token: newCancel });
  t.equal(again.statusCode, 409, 'cancelling twice');
  t.equal(heading(again.body), 'This appointment was cancelled');
});

t.test('bad details re-render the form: values kept, a focused summary, messages tied to fields', async (t) => {
  const fields = await detailsForm();
  const res = await postForm(app, DETAILS, { ...fields, name: '  ', phone: 'call me maybe', email: 'not-an-email' });
  t.equal(res.statusCode, 400);
  t.equal(heading(res.body), 'Your details');
  t.match(res.body, /<div\s+class="error-summary"\s+data-error-summary\s+tabindex="-1"\s+role="alert"/);
  t.match(res.body, '<li><a href="#name">Enter your full name</a></li>');
  t.match(res.body, '<li><a href="#phone">Enter a mobile phone number, like 07400 123456 or +44 7400 123456</a></li>');
  t.match(input(res.body, 'phone'), {
    value: 'call me maybe',
    'aria-describedby': 'phone-hint phone-error',
    'aria-invalid': 'true',
  });
  t.match(input(res.body, 'email'), {
    value: 'not-an-email',
    'aria-describedby': 'email-error',
    'aria-invalid': 'true',
  });
  t.notOk(input(res.body, 'phone')!.autofocus, 'focus goes to the summary, not a field');
  t.match(res.body, '<span class="error-message" id="phone-error">');
  t.equal(formFields(res.body, DETAILS).start, '2026-03-04T10:00:00.000Z', 'the time is kept');

  const short = await postForm(app, DETAILS, { ...fields, name: 'Al', phone: '123' });
  t.equal(short.statusCode, 400, 'digits that are not a phone number');
  t.match(short.body, 'id="phone-error"');
  const longName = await postForm(app, DETAILS, { ...fields, name: 'x'.repeat(101), phone: '07400 123456' });
  t.match(longName.body, 'Your name must be 100 characters or fewer');
  const spoof = await postForm(app, DETAILS, { ...fields, name: 'Ann\u202Enosmoht', phone: '07400 123456' });
  t.match(spoof.body, 'Your name contains characters we cannot accept', 'bidi overrides are refused');
  t.equal(fake.bookings.length, 1, 'none of these booked');

  const tampered = await postForm(app, DETAILS, { ...fields, start: 'tomorrow', name: 'A', phone: '07400 123456' });
  t.equal(tampered.statusCode, 400);
  t.equal(heading(tampered.body), 'This address is not valid');
});

t.test('names with right-to-left text and emoji round-trip unchanged, escaped and marked dir=auto', async (t) => {
  const name = 'مريم العلي 👩🏽‍⚕️ <b>';
  const location = await book(name, '2026-03-05T10:00:00.000Z');
  t.equal(fake.bookings.at(-1)!.input.name, name, 'the service got the name exactly');
  t.match(location, /^\/manage\/booked/);
  const fields = await detailsForm();
  const kept = await postForm(app, DETAILS, { ...fields, name, phone: 'nope' });
  t.match(kept.body, 'value="مريم العلي 👩🏽‍⚕️ &lt;b&gt;"', 'kept in the form, escaped');
  t.match(input(kept.body, 'name'), { value: name, dir: 'auto' }, 'direction from the text');
});

t.test('a time taken meanwhile: 409, the nearest free times to pick from, details kept', async (t) => {
  const taken = '2026-03-05T11:00:00.000Z';
  const fields = await detailsForm(taken);
  fake.takenByOthers.add(taken);
  t.teardown(() => fake.takenByOthers.delete(taken));
  const details = { name: 'Jo Bloggs', phone: '07400 900456', email: 'jo@example.com', smsConsent: 'yes' };
  const res = await postForm(app, DETAILS, { ...fields, ...details });
  t.equal(res.statusCode, 409);
  t.match(res.body, /<h2 id="slot-taken-title">That time was just taken.<\/h2>/);
  t.match(res.body, /class="error-summary"\s+data-error-summary\s+tabindex="-1"\s+role="alert"/);
  t.match(res.body, 'The nearest free times are:');
  t.equal(input(res.body, 'name')!.value, 'Jo Bloggs');
  t.equal(input(res.body, 'email')!.value, 'jo@example.com');
  t.equal(input(res.body, 'smsConsent')!.checked, '', 'consent kept');
  const offered = tags(res.body, 'input')
    .filter((i) => i.type === 'radio' && i.name === 'start')
    .map((i) => i.value!);
  t.ok(offered.length > 0 && !offered.includes(taken), 'other times offered');

  const again = formFields(res.body, DETAILS);
  const unpicked = await postForm(app, DETAILS, { ...again, ...details });
  t.equal(unpicked.statusCode, 400, 'sent without picking one');
  t.match(unpicked.body, '<a href="#start-0">Choose one of the nearest free times</a>');
  t.same(
    tags(unpicked.body, 'input')
      .filter((i) => i.type === 'radio')
      .map((i) => i.value),
    offered,
    'the same times offered again',
  );

  const picked = await postForm(app, DETAILS, { ...again, ...details, start: offered[0]! });
  t.equal(picked.statusCode, 303);
  t.equal(fake.bookings.at(-1)!.input.start, offered[0]);
});

t.test('manage links: tampered 403, expired 410, malformed 400, wrong purpose 403, each a page', async (t) => {
  await book('Sam Lee', '2026-03-06T09:00:00.000Z');
  const { cancel, reschedule } = fake.bookings.at(-1)!.tokens;
  const tampered = await app.inject({ url: `/manage?token=${cancel.slice(0, -2)}xx` });
  t.equal(tampered.statusCode, 403);
  t.match(tampered.headers['content-type'], /text\/html/);
  t.equal(heading(tampered.body), 'This link does not work');
  fake.expiredTokens.add(reschedule);
  t.teardown(() => fake.expiredTokens.delete(reschedule));
  const expired = await app.inject({ url: `/manage/reschedule?token=${reschedule}` });
  t.equal(expired.statusCode, 410);
  t.equal(heading(expired.body), 'This link has expired');
  const malformed = await app.inject({ url: '/manage?token=%3Cscript%3E' });
  t.equal(malformed.statusCode, 400);
  const missing = await app.inject({ url: '/manage' });
  t.equal(missing.statusCode, 400);
  const wrongPurpose = await app.inject({ url: `/manage/reschedule?token=${cancel}` });
  t.equal(wrongPurpose.statusCode, 403);
  const postWrong = await postForm(app, '/manage/reschedule', {
    token: cancel,
    start: '2026-03-09T09:00:00.000Z',
    tz: 'UTC',
  });
  t.equal(postWrong.statusCode, 403, 'a cancel link cannot move the appointment');
});

t.test('an unreachable org while booking: 503 page saying nothing was booked', async (t) => {
  const fields = await detailsForm();
  fake.unreachable = true;
  t.teardown(() => (fake.unreachable = false));
  const res = await postForm(app, DETAILS, { ...fields, name: 'Kim', phone: '07400 900789' });
  t.equal(res.statusCode, 503);
  t.equal(heading(res.body), 'Booking is not available right now');
  t.match(res.body, 'Nothing was booked or changed.');
});

t.test('the request log has paths and parameter names, never tokens or details', async (t) => {
  const { cancel } = fake.bookings.at(-1)!.tokens;
  await app.inject({ url: `/manage?token=${cancel}` });
  const fields = formFields(
    (await app.inject({ url: `${DETAILS}?start=2026-03-09T09:00:00.000Z&tz=UTC` })).body,
    DETAILS,
  );
  await postForm(app, DETAILS, { ...fields, name: 'Secret Person', phone: '07400 900999' });
  const all = logs.join('\n');
  t.notOk(all.includes(cancel), 'no token');
  t.notOk(all.includes('Secret Person'), 'no name');
  t.notOk(all.includes('900999'), 'no phone');
  t.match(all, '/manage?token=');
});
