import t from 'tap';
import { BACKENDS } from '../helpers/backends.ts';
import { API, SLUG, bookingApp, bookingBody, eventually, firstSlot } from './helpers.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

for (const backend of BACKENDS) {
  t.test(`book, read, reschedule and cancel on ${backend}`, async (t) => {
    const env = await bookingApp(t, backend);
    if (!env) return;
    const { app, org, ids } = env;
    const typeId = ids.get('TypeInitialRef')!;

    const openapi = await app.inject({ url: `${API}/openapi.json` });
    t.equal(openapi.statusCode, 200);
    t.same(Object.keys(openapi.json().paths).sort(), [
      '/bookings',
      '/bookings/cancel',
      '/bookings/reschedule',
      '/orgs/{slug}',
      '/orgs/{slug}/bookings',
      '/orgs/{slug}/types/{typeId}/slots',
    ]);

    const page = await app.inject({ url: `${API}/orgs/${SLUG}` });
    t.equal(page.statusCode, 200);
    t.equal(page.json().name, 'Riverside Physiotherapy Clinic');
    t.ok(page.json().types.some((type: { id: string }) => type.id === typeId));
    const [pageSettings] = org.records('Slotwise_Booking_Page__c');
    t.match(page.json(), {
      consentText: /^I agree to receive appointment confirmations and reminders by SMS/,
      consentTextVersion: '2025-11',
    });
    t.equal(page.json().consentText, pageSettings!.Consent_Text__c, "the org's own consent wording");

    const slot = await firstSlot(app, typeId);
    const booked = await app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'attempt-0001' },
      payload: bookingBody(typeId, slot.start),
    });
    t.equal(booked.statusCode, 201, booked.body);
    const result = booked.json();
    t.equal(result.replayed, false);
    t.equal(result.booking.status, 'confirmed');
    t.equal(result.booking.start, slot.start);

    const appointment = org.records(APPOINTMENT).find((row) => row.Booking_Key__c === result.booking.bookingKey);
    t.ok(appointment, 'the appointment is in the org under its booking key');
    t.equal(appointment?.Patient_Phone__c, '+447400654321', 'the phone is stored in E.164');
    t.equal(appointment?.Status__c, 'Scheduled');
    t.equal(appointment?.Source__c, 'Public Page');
    t.equal(appointment?.SMS_Consent__c, true);
    t.equal(appointment?.Consent_Text_Version__c, '2025-11', 'the version of the text the patient agreed to');
    t.ok(Date.parse(appointment?.SMS_Consent_At__c as string) > Date.now() - 60_000, 'when they agreed');
    t.equal(Date.parse(appointment?.Start__c as string), Date.parse(slot.start));

    // match-or-create-lead: no contact or lead has this phone or e-mail, so a lead is created and linked.
    const lead = org.records('Lead').find((row) => row.Email === 'jane.doe@example.com');
    t.ok(lead, 'a lead was created');
    t.equal(lead?.LastName, 'Doe');
    await eventually('the lead linked', () => org.record(APPOINTMENT, appointment!.Id as string)?.Lead__c === lead?.Id);

    const replay = await app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'attempt-0001' },
      payload: bookingBody(typeId, slot.start),
    });
    t.equal(replay.statusCode, 200);
    t.equal(replay.json().replayed, true);
    t.equal(replay.json().booking.bookingKey, result.booking.bookingKey);
    t.equal(org.records(APPOINTMENT).filter((row) => row.Patient_Email__c === 'jane.doe@example.com').length, 1);

    const read = await app.inject({ url: `${API}/bookings?token=${result.links.cancelToken}` });
    t.equal(read.statusCode, 200);
    t.equal(read.json().purpose, 'cancel');
    t.equal(read.json().booking.bookingKey, result.booking.bookingKey);

    // Reschedule to another free slot: same booking key, new time in the org, new links.
    const later = await firstSlot(app, typeId, 8);
    const moved = await app.inject({
      method: 'POST',
      url: `${API}/bookings/reschedule`,
      headers: { authorization: `Bearer ${result.links.rescheduleToken}` },
      payload: { start: later.start },
    });
    t.equal(moved.statusCode, 200, moved.body);
    t.equal(moved.json().booking.bookingKey, result.booking.bookingKey);
    t.equal(moved.json().booking.start, later.start);
    t.equal(
      Date.parse(org.record(APPOINTMENT, appointment!.Id as string)?.Start__c as string),
      Date.parse(later.start),
    );
    const history = await app.storeConnection.store.query<{ kind: string }>(
      `select kind from booking_change c join booking b on b.id = c.booking_id where b.booking_key = $1 order by c.id`,
      [result.booking.bookingKey],
    );
    t.same(
      history.map((row) => row.kind),
      ['booked', 'rescheduled'],
    );

    const stale = await app.inject({ method: 'POST', url: `${API}/bookings/cancel?token=${result.links.cancelToken}` });
    t.equal(stale.statusCode, 410, 'links sent before the reschedule no longer work');

    const cancelToken = moved.json().links.cancelToken;
    const cancelled = await app.inject({
      method: 'POST',
      url: `${API}/bookings/cancel`,
      payload: { token: cancelToken },
    });
    t.equal(cancelled.statusCode, 200, cancelled.body);
    t.equal(cancelled.json().booking.status, 'cancelled');
    await eventually(
      'cancelled in the org',
      () => org.record(APPOINTMENT, appointment!.Id as string)?.Status__c === 'Cancelled',
    );

    const again = await app.inject({ method: 'POST', url: `${API}/bookings/cancel`, payload: { token: cancelToken } });
    t.equal(again.statusCode, 409);
    t.equal(again.json().code, 'already_cancelled');

    // The cancelled time is free again.
    const people = org.records('Contact').length + org.records('Lead').length;
    const rebook = await app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'attempt-0002' },
      // Maria is a Contact already (by e-mail): matched, not created again.
      payload: bookingBody(typeId, later.start, { name: "Maria O'Brien", email: 'maria.obrien@example.com' }),
    });
    t.equal(rebook.statusCode, 201, rebook.body);
    const second = org.records(APPOINTMENT).find((row) => row.Booking_Key__c === rebook.json().booking.bookingKey);
    await eventually(
      'linked to the existing contact',
      () => org.record(APPOINTMENT, second!.Id as string)?.Contact__c === ids.get('ContactMaria'),
    );
    t.equal(org.records('Contact').length + org.records('Lead').length, people, 'nobody new in the org');
  });
}
