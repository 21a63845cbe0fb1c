// Staff booking through the org API (GET /v1/slots, POST /v1/bookings) on the real app, the booking
// service and the emulated demo clinic, on PGlite and PostgreSQL.
import t from 'tap';
import type { Queryable } from '../../service/src/store/store.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';
import { APPOINTMENT, USER, orgApiApp } from './org-api-app.ts';

const DAY = 86_400_000;
const PHONE = '+447911123456';

function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
}

function idempotencyKey(): string {
  return `staff-${Math.random().toString(36).slice(2)}-${Date.now()}`;
}

async function auditActions(store: Queryable, orgId: string, count: number) {
  return waitFor(`${count} audit rows`, async () => {
    const rows = await store.query<{ action: string; status: number; user_id: string }>(
      'select action, status, user_id from org_audit where org_id = $1 order by id',
      [orgId],
    );
    if (rows.length !== count) throw new Error(JSON.stringify(rows));
    return rows;
  });
}

for (const backend of BACKENDS) {
  t.test(`${backend}: staff list slots and book through the org API`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, headers } = setup;
    const ids = new Map(
      org.records('Slotwise_Appointment_Type__c').map((row) => [String(row.Name), String(row.Id)] as const),
    );
    const initial = ids.get('Initial Assessment')!;
    const resources = new Map(
      org.records('Slotwise_Resource__c').map((row) => [String(row.Name), String(row.Id)] as const),
    );
    const patel = [...resources].find(([name]) => name.includes('Patel'))![1];
    const okafor = [...resources].find(([name]) => name.includes('Okafor'))![1];
    const [contact] = org.records('Contact');

    const slotsUrl = (query: Record<string, string>) =>
      `/v1/slots?${new URLSearchParams({ typeId: initial, from: day(2), to: day(9), timeZone: 'Europe/London', ...query })}`;
    const any = await app.inject({ url: slotsUrl({}), headers: headers() });
    t.equal(any.statusCode, 200, any.body);
    const slots = any.json().slots as { start: string; end: string; resourceId: string }[];
    t.ok(slots.length > 0, 'free slots');
    t.same(new Set(slots.map((slot) => slot.resourceId)), new Set([okafor, patel]), 'both resources, by id');
    t.ok(
      slots.every((slot, i) => i === 0 || slots[i - 1]!.start <= slot.start),
      'earliest first',
    );
    t.ok(slots.every((slot) => Date.parse(slot.end) - Date.parse(slot.start) === 45 * 60_000));

    const onePatel = await app.inject({ url: slotsUrl({ resourceId: patel.slice(0, 15) }), headers: headers() });
    t.equal(onePatel.statusCode, 200);
    const patelSlots = onePatel.json().slots as { start: string; resourceId: string }[];
    t.ok(
      patelSlots.length > 0 && patelSlots.every((slot) => slot.resourceId === patel),
      'resourceId filter (15 chars)',
    );
    t.same(
      patelSlots.map((slot) => slot.start),
      slots.filter((slot) => slot.resourceId === patel).map((slot) => slot.start),
    );

    const sixtyTwo = await app.inject({ url: slotsUrl({ from: day(1), to: day(63) }), headers: headers() });
    t.equal(sixtyTwo.statusCode, 200, '62 days at once');
    const sixtyThree = await app.inject({ url: slotsUrl({ from: day(1), to: day(64) }), headers: headers() });
    t.equal(sixtyThree.statusCode, 400);
    t.equal(sixtyThree.json().code, 'invalid_range');
    const badZone = await app.inject({ url: slotsUrl({ timeZone: 'Mars/Olympus_Mons' }), headers: headers() });
    t.equal(badZone.statusCode, 400);
    t.equal(badZone.json().code, 'invalid_time_zone');
    const badDate = await app.inject({ url: slotsUrl({ from: 'tomorrow' }), headers: headers() });
    t.equal(badDate.statusCode, 400);
    const noKey = await app.inject({ url: slotsUrl({}) });
    t.equal(noKey.statusCode, 401);

    const chosen = patelSlots[0]!;
    const body = {
      typeId: initial,
      resourceId: patel,
      start: chosen.start,
      patient: { name: 'Amira Haddad', phone: PHONE, email: 'amira@example.com' },
      smsConsent: true,
      contactId: contact!.Id as string,
      idempotencyKey: idempotencyKey(),
    };
    const created = await app.inject({ method: 'POST', url: '/v1/bookings', headers: headers(), payload: body });
    t.equal(created.statusCode, 201, created.body);
    const booking = created.json();
    t.match(booking, { start: chosen.start, resourceId: patel, status: 'Scheduled' });
    t.match(booking.bookingKey, /^sw-/);
    const record = org.records(APPOINTMENT).find((row) => row.Booking_Key__c === booking.bookingKey)!;
    t.equal(record.Id, booking.appointmentId);
    t.match(record, {
      Source__c: 'Staff',
      Status__c: 'Scheduled',
      Contact__c: contact!.Id,
      Patient_Phone__c: PHONE,
      Patient_Name__c: 'Amira Haddad',
      SMS_Consent__c: true,
      Resource__c: patel,
    });

    const repeat = await app.inject({ method: 'POST', url: '/v1/bookings', headers: headers(), payload: body });
    t.equal(repeat.statusCode, 200, 'the same key: the same booking');
    t.same(repeat.json(), booking);
    t.equal(
      org.records(APPOINTMENT).filter((row) => row.Booking_Key__c === booking.bookingKey).length,
      1,
      'nothing new in the org',
    );
    const reused = await app.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: headers(),
      payload: { ...body, start: patelSlots[1]!.start },
    });
    t.equal(reused.statusCode, 409);
    t.equal(reused.json().code, 'idempotency_key_reused');

    const taken = await app.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: headers(),
      payload: { ...body, idempotencyKey: idempotencyKey() },
    });
    t.equal(taken.statusCode, 409);
    t.equal(taken.json().code, 'slot_unavailable', 'the listing no longer offers it');
    t.ok(taken.json().nearest.length > 0, 'with the nearest free times');

    const otherOrgType = await app.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: headers(),
      payload: { ...body, typeId: 'a0B000000000999AAA', idempotencyKey: idempotencyKey() },
    });
    t.equal(otherOrgType.statusCode, 404);
    t.equal(otherOrgType.json().code, 'unknown_type');
    const otherSlots = await app.inject({ url: slotsUrl({ typeId: 'a0B000000000999AAA' }), headers: headers() });
    t.equal(otherSlots.statusCode, 404);

    const both = await app.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: headers(),
      payload: { ...body, leadId: '00Q000000000001AAA', idempotencyKey: idempotencyKey() },
    });
    t.equal(both.statusCode, 400, 'a contact and a lead');
    const noPhone = await app.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: headers(),
      payload: { ...body, patient: { name: 'A B', email: 'a@example.com' }, idempotencyKey: idempotencyKey() },
    });
    t.equal(noPhone.statusCode, 400, 'SMS consent without a phone');
    t.equal(noPhone.json().code, 'invalid_details');
    const rows = await auditActions(store, org.orgId, 7);
    t.same(
      rows.map((row) => [row.action, row.status, row.user_id]),
      [
        ['POST /v1/bookings', 201, USER],
        ['POST /v1/bookings', 200, USER],
        ['POST /v1/bookings', 409, USER],
        ['POST /v1/bookings', 409, USER],
        ['POST /v1/bookings', 404, USER],
        ['POST /v1/bookings', 400, USER],
        ['POST /v1/bookings', 400, USER],
      ],
      'every booking call in the audit trail, none of the slot reads',
    );
  });

  t.test(`${backend}: a slot taken between listing and booking is a 409 slot_taken; private types`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, org, headers } = setup;
    const followUp = org.records('Slotwise_Appointment_Type__c').find((row) => row.Name === 'Follow-up Treatment')!;
    org.update('Slotwise_Appointment_Type__c', followUp.Id as string, { Public__c: false });
    const typeId = followUp.Id as string;

    const listed = await app.inject({
      url: `/v1/slots?${new URLSearchParams({ typeId, from: day(2), to: day(9), timeZone: 'Europe/London' })}`,
      headers: headers(),
    });
    t.equal(listed.statusCode, 200, 'a private type lists for staff');
    const [slot] = listed.json().slots as { start: string; resourceId: string }[];
    const book = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/bookings',
        headers: headers(),
        payload: {
          typeId,
          resourceId: slot!.resourceId,
          start: slot!.start,
          patient: { name: 'Ben Ode', email: 'ben@example.com' },
          smsConsent: false,
          idempotencyKey: key,
        },
      });
    // Both pass the listing check; the store's exclusion constraint lets one hold the time.
    const [first, second] = await Promise.all([book(idempotencyKey()), book(idempotencyKey())]);
    const statuses = [first!.statusCode, second!.statusCode].sort();
    t.same(statuses, [201, 409], 'one booked, one refused');
    const refused = first!.statusCode === 409 ? first! : second!;
    t.match(refused.json().code, /^slot_(taken|unavailable)$/);
    const booked = (first!.statusCode === 201 ? first! : second!).json();
    const record = org.records(APPOINTMENT).find((row) => row.Id === booked.appointmentId)!;
    t.match(record, { Source__c: 'Staff', Appointment_Type__c: typeId, Patient_Phone__c: null });

    const publicOrg = await app.inject({ url: `/api/public/v1/orgs/riverside-clinic` });
    t.equal(publicOrg.statusCode, 200);
    const publicTypes = (publicOrg.json().types as { id: string }[]).map((type) => type.id);
    t.ok(publicTypes.length > 0 && !publicTypes.includes(typeId), 'not on the public page');
  });
}
