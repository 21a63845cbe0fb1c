import t from 'tap';
import { BACKENDS } from '../helpers/backends.ts';
import { API, SLUG, bookingApp, bookingBody, firstSlot } from './helpers.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

for (const backend of BACKENDS) {
  t.test(`200 concurrent bookings of one slot on ${backend}: exactly one succeeds`, async (t) => {
    const env = await bookingApp(t, backend);
    if (!env) return;
    const { app, org, ids } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const resourceId = ids.get('ResourceOkaforRef')!;
    const slot = await firstSlot(app, typeId);

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: `${API}/orgs/${SLUG}/bookings`,
          headers: { 'idempotency-key': `race-${String(i).padStart(4, '0')}` },
          payload: bookingBody(typeId, slot.start, { resourceId, email: `p${i}@example.com` }),
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    t.equal(statuses.filter((status) => status === 201).length, 1, 'one booking');
    t.equal(statuses.filter((status) => status === 409).length, 199, 'every other one refused');
    const refusals = responses.filter((response) => response.statusCode === 409).map((response) => response.json());
    t.ok(
      refusals.every((body) => ['slot_taken', 'slot_unavailable'].includes(body.code)),
      'refused as taken or no longer available',
    );
    t.ok(
      refusals.every((body) => Array.isArray(body.nearest) && body.nearest.length > 0),
      'each refusal lists fresh slots',
    );
    t.ok(
      refusals.every((body) => body.nearest.every((near: { start: string }) => near.start !== slot.start)),
      'never the taken slot itself',
    );
    const inOrg = org
      .records(APPOINTMENT)
      .filter((row) => Date.parse(row.Start__c as string) === Date.parse(slot.start) && row.Resource__c === resourceId);
    t.equal(inOrg.length, 1, 'one appointment in the org');
  });

  t.test(`a class of three on ${backend}: three seats, the fourth is refused`, async (t) => {
    const env = await bookingApp(t, backend, { classCapacity: 3 });
    if (!env) return;
    const { app, ids } = env;
    const typeId = ids.get('TypeClassRef')!;
    const slot = await firstSlot(app, typeId);
    t.equal(slot.seatsLeft, 3);
    const book = (i: number) =>
      app.inject({
        method: 'POST',
        url: `${API}/orgs/${SLUG}/bookings`,
        headers: { 'idempotency-key': `class-${String(i).padStart(4, '0')}` },
        payload: bookingBody(typeId, slot.start, { email: `c${i}@example.com` }),
      });
    const first = await Promise.all([0, 1, 2].map(book));
    t.same(
      first.map((response) => response.statusCode),
      [201, 201, 201],
    );
    const fourth = await book(3);
    t.equal(fourth.statusCode, 409);
    t.ok(fourth.json().nearest.length > 0);
    const slotsAfter = await firstSlot(app, typeId);
    t.not(slotsAfter.start, slot.start, 'the full class is no longer offered');
  });
}
