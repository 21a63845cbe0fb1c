// The waitlist end to end, through the pages with forms only: A books the only slot, B joins the
// waitlist from the fully booked day, A cancels; sync sees it, B is texted a link that holds the
// slot; C cannot book it meanwhile; B books it with one click and the org has the appointment.
import t from 'tap';
import { heading, input, linkTo, postForm, formFields } from '../page/page-app.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { syncNow } from '../reminders/helpers.ts';
import {
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
  API,
} from './helpers.ts';

for (const backend of BACKENDS) {
  t.test(`A cancels, B is offered the slot, C is refused it, B books it (${backend})`, async (t) => {
    const env = await waitlistApp(t, backend);
    if (!env) return;
    const { app, org, standin, typeId, slot, day, zone, logs } = env;

    const a = await book(env, PATIENT_A, 'booking-of-patient-a');
    t.equal(a.statusCode, 201, a.body);
    const aBooking = a.json() as { booking: { bookingKey: string }; links: { cancelToken: string } };
    await syncNow(app, org.orgId);

    // The day is full: its page links to the waitlist.
    const dayPage = await app.inject({
      url: `/book/${SLUG}/${typeId}?${new URLSearchParams({ date: day, tz: zone })}`,
    });
    t.match(dayPage.body, 'There are no free times on this day any more.');
    const join = await app.inject({ url: linkTo(dayPage.body, `/book/${SLUG}/${typeId}/waitlist?`) });
    t.equal(join.statusCode, 200);
    t.equal(heading(join.body), 'Join the waitlist');
    const action = `/book/${SLUG}/${typeId}/waitlist`;
    const fields = formFields(join.body, action);
    t.same(fields, { date: day, tz: zone });

    // A number that is not a mobile and no consent: told beside each field, nothing joined.
    const refused = await postForm(app, action, { ...fields, name: 'Bea Waiting', phone: '+447700900123' });
    t.equal(refused.statusCode, 400);
    t.match(input(refused.body, 'phone'), { value: '+447700900123', 'aria-invalid': 'true' });
    t.match(input(refused.body, 'smsConsent'), { 'aria-describedby': 'smsConsent-error', 'aria-invalid': 'true' });
    t.match(refused.body, 'There is a problem');

    const joined = await postForm(app, action, { ...fields, name: 'Bea Waiting', phone: PATIENT_B, smsConsent: 'yes' });
    t.equal(joined.statusCode, 303, joined.body);
    const joinedPage = await app.inject({ url: joined.headers.location as string });
    t.equal(heading(joinedPage.body), 'You are on the waitlist');
    t.match(joinedPage.body, 'You are first in line.');

    // A cancels with the link from their confirmation; sync brings the cancellation back.
    const cancelled = await app.inject({
      method: 'POST',
      url: `${API}/bookings/cancel`,
      payload: { token: aBooking.links.cancelToken },
    });
    t.equal(cancelled.statusCode, 200, cancelled.body);
    await until('the cancellation reached the org', () =>
      org
        .records('Slotwise_Appointment__c')
        .some((record) => record.Booking_Key__c === aBooking.booking.bookingKey && record.Status__c === 'Cancelled'),
    );
    await syncNow(app, org.orgId);
    await until('B is texted the offer', () => textsTo(standin, PATIENT_B).length > 0).catch((error: Error) => {
      throw new Error(`${error.message}\n${componentLogs(logs, ['waitlist', 'sync'])}`);
    });
    const [text] = textsTo(standin, PATIENT_B);
    t.match(
      text,
      /^Hi Bea, a time is free at Riverside Physiotherapy Clinic: Waitlist Visit, .+\. It is held for you for 15 minutes\. To book it: https:\/\/localhost:8443\/waitlist\/offer\?token=/,
    );
    const token = offerToken(text!);

    const offer = await app.inject({ url: `/waitlist/offer?token=${token}` });
    t.equal(offer.statusCode, 200);
    t.equal(heading(offer.body), 'A time has come free for you');
    t.match(offer.body, 'Waitlist Visit');
    t.match(offer.body, 'Room W');

    // Held: C cannot book it meanwhile.
    const c = await book(env, PATIENT_C, 'booking-of-patient-c');
    t.equal(c.statusCode, 409, 'the held slot is not free for anyone else');
    t.equal(c.json().code, 'slot_unavailable');

    // A link that was changed is refused.
    const tampered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const forged = await app.inject({ url: `/waitlist/offer?token=${tampered}` });
    t.equal(forged.statusCode, 403);
    t.equal(heading(forged.body), 'This link does not work');
    const forgedConfirm = await postForm(app, '/waitlist/offer', { token: tampered });
    t.equal(forgedConfirm.statusCode, 403);

    const confirmed = await postForm(app, '/waitlist/offer', formFields(offer.body, '/waitlist/offer'));
    t.equal(confirmed.statusCode, 303, confirmed.body);
    t.match(confirmed.headers.location, /^\/manage\/booked\?cancel=/);
    const confirmation = await app.inject({ url: confirmed.headers.location as string });
    t.equal(heading(confirmation.body), 'Your appointment is booked');
    const appointment = org
      .records('Slotwise_Appointment__c')
      .find((record) => record.Patient_Phone__c === PATIENT_B && record.Status__c === 'Scheduled');
    t.ok(appointment, 'the org has B’s appointment');
    t.equal(new Date(appointment?.Start__c as string).toISOString(), slot);
    t.match(appointment, { Patient_Name__c: 'Bea Waiting', SMS_Consent__c: true, Appointment_Type__c: typeId });

    // A second click, or the link again: the same booking, nothing new.
    const again = await postForm(app, '/waitlist/offer', { token });
    t.equal(again.statusCode, 303);
    const reopened = await app.inject({ url: `/waitlist/offer?token=${token}` });
    t.equal(reopened.statusCode, 303, 'the link leads to the booking');
    t.equal(
      org.records('Slotwise_Appointment__c').filter((record) => record.Patient_Phone__c === PATIENT_B).length,
      1,
      'booked once',
    );
    const [entry] = await app.storeConnection.store.query<{ state: string; recipient_ciphertext: Buffer | null }>(
      'select state, recipient_ciphertext from waitlist_entry',
    );
    t.match(entry, { state: 'booked', recipient_ciphertext: null }, 'the number is deleted once booked');

    t.notOk(
      logs.some((line) => /7400123456|7911123456|Bea Waiting|token=[A-Za-z0-9_-]{20}/.test(line)),
      'no number, name or link in the log',
    );
  });
}
