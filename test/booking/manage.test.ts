import type { InjectOptions } from 'fastify';
import t from 'tap';
import { signingKeySource, signManageToken, verifyManageToken } from '../../service/src/booking/manage-token.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { API, SLUG, bookingApp, bookingBody, firstSlot } from './helpers.ts';

t.test('manage tokens: round trip, and any changed character is refused', async (t) => {
  const key = Buffer.alloc(32, 7);
  const claims = {
    bookingId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    purpose: 'reschedule' as const,
    expiresAt: 1_900_000_000,
    linkVersion: 3,
  };
  const token = signManageToken(key, claims);
  t.equal(token.length, 52, 'short enough for an SMS');
  t.same(verifyManageToken(key, token), claims);
  for (let i = 0; i < token.length; i++) {
    const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    t.throws(() => verifyManageToken(key, changed), { code: 'invalid_token' }, `character ${i}`);
  }
  t.throws(() => verifyManageToken(Buffer.alloc(32, 8), token), { code: 'invalid_token' }, 'another key');
  t.throws(() => verifyManageToken(key, token.slice(0, 51)), { code: 'invalid_token' }, 'truncated');
});

for (const backend of BACKENDS) {
  t.test(`manage links on ${backend}`, async (t) => {
    const env = await bookingApp(t, backend);
    if (!env) return;
    const { app, org, ids, logs } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const slot = await firstSlot(app, typeId);
    const booked = await app.inject({
      method: 'POST',
      url: `${API}/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'manage-0001' },
      payload: bookingBody(typeId, slot.start),
    });
    t.equal(booked.statusCode, 201, booked.body);
    const { cancelToken, rescheduleToken } = booked.json().links as { cancelToken: string; rescheduleToken: string };

    const problem = async (request: InjectOptions) => {
      const response = await app.inject(request);
      return { status: response.statusCode, code: response.json().code as string };
    };
    const tampered = cancelToken.slice(0, 10) + (cancelToken[10] === 'x' ? 'y' : 'x') + cancelToken.slice(11);
    t.same(await problem({ url: `${API}/bookings?token=${tampered}` }), { status: 403, code: 'invalid_token' });
    t.same(await problem({ url: `${API}/bookings?token=hello` }), { status: 403, code: 'invalid_token' });
    t.same(await problem({ url: `${API}/bookings` }), { status: 403, code: 'invalid_token' }, 'no token');
    t.same(
      await problem({ method: 'POST', url: `${API}/bookings/cancel`, payload: { token: rescheduleToken } }),
      { status: 403, code: 'invalid_token' },
      'a reschedule link cannot cancel',
    );
    t.same(
      await problem({
        method: 'POST',
        url: `${API}/bookings/reschedule`,
        payload: { token: cancelToken, start: slot.start },
      }),
      { status: 403, code: 'invalid_token' },
      'a cancel link cannot reschedule',
    );

    // A genuine token whose time is up.
    const key = await signingKeySource(() => app.storeConnection.store, app.envelope)();
    const genuine = verifyManageToken(key, cancelToken);
    const expired = signManageToken(key, { ...genuine, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    t.same(await problem({ url: `${API}/bookings?token=${expired}` }), { status: 410, code: 'expired_token' });

    // Cancel once; a replay is told it is already cancelled.
    const cancel = await app.inject({ method: 'POST', url: `${API}/bookings/cancel?token=${cancelToken}` });
    t.equal(cancel.statusCode, 200, cancel.body);
    t.same(await problem({ method: 'POST', url: `${API}/bookings/cancel?token=${cancelToken}` }), {
      status: 409,
      code: 'already_cancelled',
    });

    // Tokens, phone numbers and e-mail addresses never reach the log.
    const logged = logs.join('');
    t.match(logged, /\/api\/public\/v1\/bookings/, 'the requests were logged');
    for (const secret of [cancelToken, rescheduleToken, tampered, expired, '+447400654321', 'jane.doe@example.com']) {
      t.notOk(logged.includes(secret), `not logged: ${secret.slice(0, 6)}…`);
    }
    t.ok(org.records('Slotwise_Appointment__c').length > 0);
  });
}

t.test('cancel and reschedule close at the cut-off', async (t) => {
  // A cut-off of 30 days: every bookable slot of the next days is already inside it.
  const env = await bookingApp(t, 'pglite', { cutoffHours: 720 });
  if (!env) return;
  const { app, ids } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const slot = await firstSlot(app, typeId);
  const booked = await app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': 'cutoff-0001' },
    payload: bookingBody(typeId, slot.start),
  });
  t.equal(booked.statusCode, 201, booked.body);
  const { booking, links } = booked.json();
  t.equal(booking.canCancel, false);
  t.equal(booking.canReschedule, false);
  for (const [url, payload] of [
    [`${API}/bookings/cancel`, { token: links.cancelToken }],
    [`${API}/bookings/reschedule`, { token: links.rescheduleToken, start: slot.start }],
  ] as const) {
    const response = await app.inject({ method: 'POST', url, payload });
    t.equal(response.statusCode, 409);
    t.equal(response.json().code, 'past_cutoff');
    t.match(response.json().detail, /720 hours/);
  }
  const read = await app.inject({ url: `${API}/bookings`, headers: { authorization: `Bearer ${links.cancelToken}` } });
  t.equal(read.statusCode, 200, 'still readable');
});
