// The booking pages as buildApp serves them, over the real booking service and the org emulator's
// demo clinic, on PGlite and PostgreSQL: book with links and form posts only, see the
// confirmation, reschedule, cancel; a taken time offers the nearest; a bad phone is a 400 page.
import t from 'tap';
import { BACKENDS } from '../helpers/backends.ts';
import { bookingApp, SLUG } from '../booking/helpers.ts';
import { formFields, heading, input, linkTo, links, postForm, tags } from './page-app.ts';

const BOOK = `/book/${SLUG}`;

for (const backend of BACKENDS) {
  t.test(`the booking pages over the real booking service on ${backend}`, async (t) => {
    const env = await bookingApp(t, backend);
    if (!env) return;
    const { app, org, ids, logs } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const details = `${BOOK}/${typeId}/details`;

    const services = await app.inject({ url: BOOK });
    t.equal(services.statusCode, 200);
    t.match(services.body, 'Riverside Physiotherapy Clinic');
    t.match(services.body, 'href="/assets/brand/1b5fa8.css"', 'the clinic colour');
    t.ok(links(services.body).includes(`${BOOK}/${typeId}`), 'the initial assessment is listed');

    const days = await app.inject({ url: `${BOOK}/${typeId}` });
    t.equal(days.statusCode, 200);
    t.equal(heading(days.body), 'Choose a day');
    // Next week: far enough ahead that the clinic's 24-hour cut-off leaves it changeable online.
    const nextWeek = links(days.body)
      .filter((href) => href.startsWith(`${BOOK}/${typeId}?week=`))
      .at(-1)!;
    const laterDays = await app.inject({ url: nextWeek });
    t.match(laterDays.body, 'Previous week');
    const times = await app.inject({ url: linkTo(laterDays.body, `${BOOK}/${typeId}?week=`) });
    t.equal(heading(times.body), 'Choose a time');
    const timeLinks = links(times.body).filter((href) => href.startsWith(`${details}?`));
    t.ok(timeLinks.length > 1, 'times to choose from');

    // A phone that is not a phone: the page says so, keeps the values, books nothing.
    const form = await app.inject({ url: timeLinks[0]! });
    const fields = formFields(form.body, details);
    const badPhone = await postForm(app, details, { ...fields, name: 'Aisha Khan', phone: '12345' });
    t.equal(badPhone.statusCode, 400);
    t.match(input(badPhone.body, 'phone'), { value: '12345', 'aria-invalid': 'true' });

    const name = 'Zoë Ålander 👩🏽‍⚕️ مريم';
    const booked = await postForm(app, details, {
      ...fields,
      name,
      phone: '07911 123456',
      email: 'zoe@example.com',
      smsConsent: 'yes',
    });
    t.equal(booked.statusCode, 303, booked.body);
    const confirmation = await app.inject({ url: booked.headers.location as string });
    t.equal(confirmation.statusCode, 200);
    t.equal(heading(confirmation.body), 'Your appointment is booked');
    t.match(confirmation.body, /(GMT|BST)/, 'the time with its zone abbreviation');
    const appointment = org.records('Slotwise_Appointment__c').find((record) => record.Patient_Name__c === name);
    t.ok(appointment, 'the appointment reached the org with the name exactly as typed');
    t.equal(appointment?.Start__c && new Date(appointment.Start__c as string).toISOString(), fields.start);

    // The same time again, from other patients: once every practitioner is taken, the page offers
    // the nearest free times.
    let taken = booked;
    for (let attempt = 0; attempt < 5 && taken.statusCode === 303; attempt++) {
      const again = await app.inject({ url: timeLinks[0]! });
      taken = await postForm(app, details, {
        ...formFields(again.body, details),
        name: `Other Patient ${attempt}`,
        phone: '07400 123456',
      });
    }
    t.equal(taken.statusCode, 409);
    t.match(taken.body, 'That time was just taken.');
    const nearest = tags(taken.body, 'input').filter((i) => i.type === 'radio' && i.name === 'start');
    t.ok(nearest.length > 0, 'the nearest free times are offered');

    // Reschedule to another time, then cancel, through the manage links.
    const rescheduleLink = links(confirmation.body).find((href) => href.startsWith('/manage?token='))!;
    const manageLinks = links(confirmation.body).filter((href) => href.startsWith('/manage?token='));
    t.equal(manageLinks.length, 2, 'reschedule and cancel links');
    const manage = await app.inject({ url: rescheduleLink });
    t.equal(manage.statusCode, 200);
    const pickDay = await app.inject({ url: linkTo(manage.body, '/manage/reschedule?') });
    // The last day of the week: a new time beyond the cut-off, so it can still be cancelled online.
    const pickTime = await app.inject({
      url: links(pickDay.body)
        .filter((h) => h.includes('date='))
        .at(-1)!,
    });
    const choices = links(pickTime.body).filter((h) => h.startsWith('/manage/reschedule/confirm?'));
    const confirm = await app.inject({ url: choices[choices.length - 1]! });
    t.equal(heading(confirm.body), 'Move your appointment?');
    const moved = await postForm(app, '/manage/reschedule', formFields(confirm.body, '/manage/reschedule'));
    t.equal(moved.statusCode, 303, moved.body);
    const movedPage = await app.inject({ url: moved.headers.location as string });
    t.equal(heading(movedPage.body), 'Your appointment has been moved');

    const cancelLink = links(movedPage.body).filter((href) => href.startsWith('/manage?token='))[1]!;
    const cancelManage = await app.inject({ url: cancelLink });
    const cancelConfirm = await app.inject({ url: linkTo(cancelManage.body, '/manage/cancel?') });
    const cancelled = await postForm(app, '/manage/cancel', formFields(cancelConfirm.body, '/manage/cancel'));
    t.equal(cancelled.statusCode, 303, cancelled.body);
    const cancelledPage = await app.inject({ url: cancelled.headers.location as string });
    t.equal(heading(cancelledPage.body), 'Your appointment is cancelled');

    const replay = await postForm(app, '/manage/cancel', formFields(cancelConfirm.body, '/manage/cancel'));
    t.ok(replay.statusCode === 409 || replay.statusCode === 410, `a replayed cancel is refused (${replay.statusCode})`);
    const token = new URL(cancelLink, 'https://x').searchParams.get('token')!;
    const tampered = await app.inject({ url: `/manage?token=${token.slice(0, -3)}AAA` });
    t.equal(tampered.statusCode, 403);
    t.equal(heading(tampered.body), 'This link does not work');

    const all = logs.join('\n');
    t.notOk(all.includes(token), 'no token in the log');
    t.notOk(all.includes('Ålander'), 'no name in the log');
  });
}
