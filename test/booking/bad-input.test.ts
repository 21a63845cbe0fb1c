import type { InjectOptions } from 'fastify';
import t from 'tap';
import { API, SLUG, bookingApp, bookingBody, firstSlot } from './helpers.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

t.test('bad input is answered with a clear 4xx, never a 500', async (t) => {
  const env = await bookingApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slotsUrl = (query: string, type = typeId, slug = SLUG) => `${API}/orgs/${slug}/types/${type}/slots?${query}`;

  const expect = async (what: string, request: InjectOptions, status: number, code: string) => {
    const response = await app.inject(request);
    t.equal(response.statusCode, status, `${what}: ${response.body}`);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: problem+json`);
    const body = response.json();
    t.equal(body.code, code, `${what}: code`);
    t.ok(body.title && !/Error|at \w+ \(/.test(body.title + (body.detail ?? '')), `${what}: readable, no stack`);
    return body;
  };

  await expect('unknown slug', { url: `${API}/orgs/no-such-clinic` }, 404, 'unknown_page');
  await expect(
    'unknown type',
    { url: slotsUrl(`from=${day(3)}&to=${day(4)}&timeZone=Europe/London`, 'a0Z000000000000AAA') },
    404,
    'unknown_type',
  );
  await expect(
    'beyond the horizon',
    { url: slotsUrl(`from=${day(200)}&to=${day(201)}&timeZone=Europe/London`) },
    400,
    'outside_horizon',
  );
  await expect(
    'in the past',
    { url: slotsUrl(`from=${day(-10)}&to=${day(-9)}&timeZone=Europe/London`) },
    400,
    'outside_horizon',
  );
  await expect(
    'a year',
    { url: slotsUrl(`from=${day(1)}&to=${day(366)}&timeZone=Europe/London`) },
    400,
    'invalid_range',
  );
  await expect(
    'to before from',
    { url: slotsUrl(`from=${day(5)}&to=${day(3)}&timeZone=Europe/London`) },
    400,
    'invalid_range',
  );
  await expect('not a date', { url: slotsUrl(`from=soon&to=${day(3)}&timeZone=Europe/London`) }, 400, 'invalid_range');
  for (const zone of ['Mars/Olympus_Mons', '../../etc/passwd', 'Europe/London%00']) {
    await expect(
      `time zone ${zone}`,
      { url: slotsUrl(`from=${day(3)}&to=${day(4)}&timeZone=${zone}`) },
      400,
      'invalid_time_zone',
    );
  }

  const slot = await firstSlot(app, typeId);
  let n = 0;
  const book = (payload: unknown, headers: Record<string, string> = { 'idempotency-key': `bad-input-${n++}` }) => ({
    method: 'POST' as const,
    url: `${API}/orgs/${SLUG}/bookings`,
    headers,
    payload: payload as Record<string, unknown>,
  });
  for (const phone of ['not a phone', '123', '+44 20', '☎️☎️☎️']) {
    await expect(`phone ${phone}`, book(bookingBody(typeId, slot.start, { phone })), 400, 'invalid_phone');
  }
  await expect('no name', book(bookingBody(typeId, slot.start, { name: ' \u202E\u0000 ' })), 400, 'invalid_details');
  await expect(
    'a 101-letter name',
    book(bookingBody(typeId, slot.start, { name: 'a'.repeat(101) })),
    400,
    'invalid_details',
  );
  await expect('bad e-mail', book(bookingBody(typeId, slot.start, { email: 'jane@' })), 400, 'invalid_details');
  await expect('a start that is no time', book(bookingBody(typeId, 'tomorrow')), 400, 'invalid_details');
  await expect('no idempotency key', book(bookingBody(typeId, slot.start), {}), 400, 'invalid_request');
  await expect(
    'an oversized body',
    book(bookingBody(typeId, slot.start, { name: 'x'.repeat(20_000) })),
    413,
    'payload_too_large',
  );
  await expect(
    'a start that is not a slot',
    book(bookingBody(typeId, '2020-01-01T09:00:00.000Z')),
    409,
    'slot_unavailable',
  );

  // Any script, emoji and right-to-left text is a name; bidi overrides and controls are removed.
  const name = 'José \u202Eمريم\u202C 👩🏽‍⚕️ Ōtsuka';
  const booked = await app.inject(book(bookingBody(typeId, slot.start, { name, email: 'rtl@example.com' })));
  t.equal(booked.statusCode, 201, booked.body);
  const stored = org.records(APPOINTMENT).find((row) => row.Booking_Key__c === booked.json().booking.bookingKey);
  t.equal(stored?.Patient_Name__c, 'José مريم 👩🏽‍⚕️ Ōtsuka');
});
