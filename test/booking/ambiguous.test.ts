import t from 'tap';
import { SalesforceError, type OrgApi } from '../../service/src/salesforce/org-api.ts';
import { waitFor } from '../helpers/process.ts';
import { API, SLUG, bookingApp, bookingBody, eventually, firstSlot } from './helpers.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

/** The gateway, except that the next appointment upsert reaches Salesforce and its answer is lost. */
function answerLostOnce(api: OrgApi): OrgApi {
  let armed = true;
  return {
    query: (orgId, soql) => api.query(orgId, soql),
    queryAll: (orgId, soql) => api.queryAll(orgId, soql),
    create: (orgId, sobject, fields) => api.create(orgId, sobject, fields),
    update: (orgId, sobject, id, fields) => api.update(orgId, sobject, id, fields),
    usage: (orgId) => api.usage(orgId),
    async upsert(orgId, sobject, field, value, fields) {
      const result = await api.upsert(orgId, sobject, field, value, fields);
      if (armed && sobject === APPOINTMENT) {
        armed = false;
        throw new SalesforceError('NETWORK_ERROR', 'socket hang up', true);
      }
      return result;
    },
  };
}

t.test('an answer lost after Salesforce created the appointment: 503, and the record ends cancelled', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slot = await firstSlot(app, typeId);
  app.orgApi = answerLostOnce(app.orgApi);

  const response = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'lost-answer-0001' },
    payload: bookingBody(typeId, slot.start),
  });
  t.equal(response.statusCode, 503, response.body);
  t.equal(response.json().code, 'org_unavailable');
  const atSlot = () =>
    org.records(APPOINTMENT).filter((row) => Date.parse(row.Start__c as string) === Date.parse(slot.start));
  t.equal(atSlot().length, 1, 'Salesforce did create it');
  await eventually('the outbox cancelled it', () => atSlot()[0]?.Status__c === 'Cancelled');
  t.equal(atSlot()[0]?.Patient_Name__c, 'Jane Doe', 'the cancellation changed only what it had to');

  // The patient tries again with the same key and gets a real booking.
  const again = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'lost-answer-0001' },
    payload: bookingBody(typeId, slot.start),
  });
  t.equal(again.statusCode, 201, again.body);
  t.equal(atSlot().filter((row) => row.Status__c === 'Scheduled').length, 1);
});

t.test('a reschedule the org cannot take leaves the booking where it was', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slot = await firstSlot(app, typeId);
  const booked = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'move-down-0001' },
    payload: bookingBody(typeId, slot.start),
  });
  t.equal(booked.statusCode, 201, booked.body);
  const later = await firstSlot(app, typeId, 12);

  org.injectFault({ kind: 'unavailable', times: Infinity });
  const moved = await app.inject({
    method: 'POST',
    url: `${API}/bookings/reschedule`,
    payload: { token: booked.json().links.rescheduleToken, start: later.start },
  });
  org.clearFaults();
  t.equal(moved.statusCode, 503, moved.body);
  const read = await app.inject({ url: `${API}/bookings?token=${booked.json().links.rescheduleToken}` });
  t.equal(read.statusCode, 200, 'the links still work');
  t.equal(read.json().booking.start, slot.start, 'still at the old time');
  const [seats] = await app.storeConnection.store.query<{ n: number }>('select count(*)::int as n from booking_seat');
  t.equal(seats?.n, 1, 'only the old seat is held');
  t.ok((await firstSlot(app, typeId, 12)).start === later.start, 'the new time is free again');
});

t.test('a repeat of a booking still in progress is told to wait', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slot = await firstSlot(app, typeId);
  // The org answers slowly while the first request is under way, so it is still in progress.
  org.injectFault({ kind: 'slow', delayMs: 2000, times: 3 });
  const send = () =>
    app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'double-click-0001' },
      payload: bookingBody(typeId, slot.start),
    });
  const first = send();
  await waitFor('the first request holds the slot', async () => {
    const rows = await app.storeConnection.store.query(
      `select 1 from booking where idempotency_key = 'double-click-0001' and state = 'pending'`,
    );
    return rows.length > 0 ? true : undefined;
  });
  const second = await send();
  t.equal(second.statusCode, 409, second.body);
  t.equal(second.json().code, 'idempotency_in_progress');
  t.equal((await first).statusCode, 201);
  const third = await send();
  t.equal(third.statusCode, 200);
  t.equal(third.json().replayed, true);
});

t.test('the patient record cannot be created: the booking stands, nothing personal is logged', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids, logs } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slot = await firstSlot(app, typeId);
  const api = app.orgApi;
  app.orgApi = {
    query: (orgId, soql) => api.query(orgId, soql),
    queryAll: (orgId, soql) => api.queryAll(orgId, soql),
    update: (orgId, sobject, id, fields) => api.update(orgId, sobject, id, fields),
    upsert: (orgId, sobject, field, value, fields) => api.upsert(orgId, sobject, field, value, fields),
    usage: (orgId) => api.usage(orgId),
    create: async () => {
      throw new SalesforceError('DUPLICATES_DETECTED', 'Use one of these records? Jane Doe', false);
    },
  };
  const response = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'no-lead-0001' },
    payload: bookingBody(typeId, slot.start),
  });
  t.equal(response.statusCode, 201, response.body);
  const appointment = org.records(APPOINTMENT).find((row) => row.Booking_Key__c === response.json().booking.bookingKey);
  t.equal(appointment?.Status__c, 'Scheduled');
  t.equal(appointment?.Lead__c ?? null, null);
  const logged = logs.join('');
  t.match(logged, /DUPLICATES_DETECTED/, 'the failure is logged');
  t.notMatch(logged, /Jane|Doe|jane\.doe|400654321/, 'without the patient’s details');
});
