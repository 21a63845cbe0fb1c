import t from 'tap';
import { BACKENDS } from '../helpers/backends.ts';
import { API, SLUG, bookingApp, bookingBody, firstSlot } from './helpers.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

for (const backend of BACKENDS) {
  t.test(`the org cannot take a booking on ${backend}: told so, hold released`, async (t) => {
    const env = await bookingApp(t, backend);
    if (!env) return;
    const { app, org, ids } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const resourceId = ids.get('ResourceOkaforRef')!;
    const slot = await firstSlot(app, typeId);
    const book = (key: string) =>
      app.inject({
        method: 'POST',
        url: `${API}/orgs/${SLUG}/bookings`,
        headers: { 'idempotency-key': key },
        payload: bookingBody(typeId, slot.start, { resourceId }),
      });
    const liveSeats = async () =>
      (
        await app.storeConnection.store.query<{ n: number }>(
          'select coalesce(sum(seats_taken), 0)::int as n from booking_session',
        )
      )[0]!.n;
    const appointmentsAtSlot = () =>
      org.records(APPOINTMENT).filter((row) => Date.parse(row.Start__c as string) === Date.parse(slot.start)).length;

    org.injectFault({ kind: 'unavailable', times: Infinity });
    const down = await book('org-down-0001');
    t.equal(down.statusCode, 503, down.body);
    t.equal(down.json().code, 'org_unavailable');
    t.match(down.json().detail, /Nothing was booked/);
    t.equal(await liveSeats(), 0, 'the hold is released');
    t.equal(appointmentsAtSlot(), 0);
    org.clearFaults();

    // Salesforce refuses the appointment itself (a validation rule): 502, nothing held.
    org.injectFault({ kind: 'validation-rule', message: 'Closed for a staff meeting' });
    const refused = await book('org-refuses-0001');
    t.equal(refused.statusCode, 502, refused.body);
    t.equal(refused.json().code, 'org_rejected');
    t.notMatch(refused.body, /staff meeting/, "Salesforce's own words are not shown to the patient");
    t.equal(await liveSeats(), 0);
    org.clearFaults();

    // The slot is bookable again, with the key that failed before.
    const again = await book('org-down-0001');
    t.equal(again.statusCode, 201, again.body);
    t.equal(again.json().replayed, false);
    t.equal(await liveSeats(), 1);
    t.equal(appointmentsAtSlot(), 1);
  });
}

t.test('an appointment staff made that sync has not seen yet: re-verified in the org, 409', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const resourceId = ids.get('ResourceOkaforRef')!;
  const slot = await firstSlot(app, typeId);
  org.insert(APPOINTMENT, {
    Appointment_Type__c: typeId,
    Resource__c: resourceId,
    Start__c: slot.start,
    End__c: new Date(Date.parse(slot.start) + 45 * 60_000).toISOString(),
    Status__c: 'Scheduled',
    Booking_Key__c: 'staff-made-1',
  });
  const response = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'staff-race-0001' },
    payload: bookingBody(typeId, slot.start, { resourceId }),
  });
  t.equal(response.statusCode, 409, response.body);
  t.equal(response.json().code, 'slot_taken');
  const [held] = await app.storeConnection.store.query<{ n: number }>(
    'select coalesce(sum(seats_taken), 0)::int as n from booking_session',
  );
  t.equal(held?.n, 0, 'the hold is released');
});
