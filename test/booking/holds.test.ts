import { randomUUID } from 'node:crypto';
import t from 'tap';
import {
  confirmBooking,
  failBooking,
  holdMove,
  holdNewBooking,
  sessionBusy,
  type SeatRequest,
} from '../../service/src/booking/holds.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const ORG = '00D000000000001AAA';
const OTHER_ORG = '00D000000000002AAA';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const T0 = Date.parse('2026-03-03T09:00:00.000Z');
const MIN = 60_000;

function seat(start: number, overrides: Partial<SeatRequest> = {}): SeatRequest {
  return {
    orgId: ORG,
    resourceId: 'R1',
    typeId: 'T1',
    start,
    end: start + 30 * MIN,
    bufferedStart: start,
    bufferedEnd: start + 40 * MIN,
    capacity: 1,
    expiresAt: new Date(NOW.getTime() + 2 * MIN),
    ...overrides,
  };
}

function newBooking(s: SeatRequest, idempotencyKey: string = randomUUID()) {
  return {
    id: randomUUID(),
    orgId: s.orgId,
    bookingKey: `k-${randomUUID()}`,
    idempotencyKey,
    typeId: s.typeId,
    resourceId: s.resourceId,
    start: s.start,
    end: s.end,
    timeZone: 'Europe/London',
  };
}

async function prepared(store: Store) {
  await migrate(store);
  for (const org of [ORG, OTHER_ORG]) {
    await store.query(
      `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext,
         api_version) values ($1, 'https://x.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
      [org],
    );
  }
}

for (const backend of BACKENDS) {
  t.test(`holds on ${backend}`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await prepared(store);

    t.test('concurrent overlapping holds: exactly one wins, whatever they read before', async (t) => {
      const requests = Array.from({ length: 40 }, (_, i) => seat(T0 + (i % 3) * 10 * MIN));
      const outcomes = await Promise.all(requests.map((s) => holdNewBooking(store, newBooking(s), s, NOW)));
      t.equal(outcomes.filter((o) => o === 'held').length, 1);
      t.equal(outcomes.filter((o) => o === 'taken').length, 39);
      const busy = await sessionBusy(store, ORG, ['R1'], T0 - 60 * MIN, T0 + 120 * MIN, NOW);
      t.equal(busy.length, 1);
    });

    t.test(
      'buffers count: a hold inside another one’s buffer is refused; other resources and orgs are free',
      async (t) => {
        const base = T0 + 24 * 60 * MIN;
        t.equal(await holdNewBooking(store, newBooking(seat(base)), seat(base), NOW), 'held');
        // Starts at +35 min: inside the first one's 10-minute clean-up buffer.
        t.equal(await holdNewBooking(store, newBooking(seat(base + 35 * MIN)), seat(base + 35 * MIN), NOW), 'taken');
        t.equal(await holdNewBooking(store, newBooking(seat(base + 40 * MIN)), seat(base + 40 * MIN), NOW), 'held');
        const r2 = seat(base, { resourceId: 'R2' });
        t.equal(await holdNewBooking(store, newBooking(r2), r2, NOW), 'held');
        const other = seat(base, { orgId: OTHER_ORG });
        t.equal(await holdNewBooking(store, newBooking(other), other, NOW), 'held');
      },
    );

    t.test('a class takes seats up to its capacity, concurrently', async (t) => {
      const base = T0 + 2 * 24 * 60 * MIN;
      const cls = seat(base, { typeId: 'CLASS', capacity: 3 });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => holdNewBooking(store, newBooking(cls), cls, NOW)),
      );
      t.equal(outcomes.filter((o) => o === 'held').length, 3);
      const [session] = await sessionBusy(store, ORG, ['R1'], base, base + MIN, NOW);
      t.equal(session?.seats, 3);
      const seats = await store.query<{ seat: number }>(
        `select seat from booking_seat bs join booking_session s on s.id = bs.session_id
          where s.type_id = 'CLASS' order by seat`,
      );
      t.same(
        seats.map((row) => row.seat),
        [0, 1, 2],
      );
    });

    t.test('a failed booking gives its time back and frees its idempotency key', async (t) => {
      const base = T0 + 3 * 24 * 60 * MIN;
      const first = newBooking(seat(base), 'same-key');
      t.equal(await holdNewBooking(store, first, seat(base), NOW), 'held');
      t.equal(
        await holdNewBooking(store, newBooking(seat(base + 300 * MIN), 'same-key'), seat(base + 300 * MIN), NOW),
        'duplicate_idempotency_key',
      );
      await failBooking(store, first.id, NOW);
      t.equal(await holdNewBooking(store, newBooking(seat(base), 'same-key'), seat(base), NOW), 'held');
    });

    t.test('an expired hold is released by the next hold on that org', async (t) => {
      const base = T0 + 4 * 24 * 60 * MIN;
      const stale = newBooking(seat(base));
      t.equal(await holdNewBooking(store, stale, seat(base), NOW), 'held');
      const later = new Date(NOW.getTime() + 3 * MIN);
      t.equal((await sessionBusy(store, ORG, ['R1'], base, base + MIN, NOW)).length, 1, 'busy while held');
      t.same(await sessionBusy(store, ORG, ['R1'], base, base + MIN, later), [], 'free once expired');
      t.equal(await holdNewBooking(store, newBooking(seat(base)), seat(base, { expiresAt: later }), later), 'held');
      const [row] = await store.query<{ state: string }>(`select state from booking where id = $1`, [stale.id]);
      t.equal(row?.state, 'failed');
    });

    t.test(
      'a hold that expired while the org wrote is taken again at confirmation when the time is free',
      async (t) => {
        const base = T0 + 6 * 24 * 60 * MIN;
        const slow = newBooking(seat(base));
        t.equal(await holdNewBooking(store, slow, seat(base), NOW), 'held');
        const later = new Date(NOW.getTime() + 3 * MIN);
        // Another booking elsewhere on the org releases the expired hold (and fails its booking).
        t.equal(await holdNewBooking(store, newBooking(seat(base + 600 * MIN)), seat(base + 600 * MIN), later), 'held');
        t.same(await store.query(`select 1 from booking_seat where booking_id = $1`, [slow.id]), [], 'released');
        t.equal(await confirmBooking(store, slow, seat(base), 'a01000000000002AAA', later), 'confirmed');
        const seats = await store.query<{ state: string }>(`select state from booking_seat where booking_id = $1`, [
          slow.id,
        ]);
        t.same(
          seats.map((row) => row.state),
          ['confirmed'],
          'confirmed with a seat',
        );
        const [row] = await store.query<{ state: string; idempotency_key: string }>(
          `select state, idempotency_key from booking where id = $1`,
          [slow.id],
        );
        t.same(row, { state: 'confirmed', idempotency_key: slow.idempotencyKey }, 'its idempotency key is back');
      },
    );

    t.test(
      'a hold that expired while the org wrote is refused at confirmation when someone took the time',
      async (t) => {
        const base = T0 + 7 * 24 * 60 * MIN;
        const slow = newBooking(seat(base));
        t.equal(await holdNewBooking(store, slow, seat(base), NOW), 'held');
        const later = new Date(NOW.getTime() + 3 * MIN);
        const quick = newBooking(seat(base));
        const fresh = seat(base, { expiresAt: new Date(later.getTime() + 2 * MIN) });
        t.equal(await holdNewBooking(store, quick, fresh, later), 'held', 'someone else holds the expired time');
        t.equal(await confirmBooking(store, slow, seat(base), 'a01000000000003AAA', later), 'taken');
        t.same(await store.query(`select 1 from booking_seat where booking_id = $1`, [slow.id]), [], 'no seat');
        const [row] = await store.query<{ state: string }>(`select state from booking where id = $1`, [slow.id]);
        t.equal(row?.state, 'failed', 'not confirmed');
      },
    );

    t.test('a confirmed booking can move onto time overlapping its own, not onto someone else’s', async (t) => {
      const base = T0 + 5 * 24 * 60 * MIN;
      const mine = newBooking(seat(base));
      t.equal(await holdNewBooking(store, mine, seat(base), NOW), 'held');
      await confirmBooking(store, mine, seat(base), 'a01000000000001AAA', NOW);
      t.equal(await holdMove(store, { id: mine.id, bookingKey: mine.bookingKey }, seat(base + 15 * MIN), NOW), 'held');
      const theirs = newBooking(seat(base + 120 * MIN));
      t.equal(await holdNewBooking(store, theirs, seat(base + 120 * MIN), NOW), 'held');
      t.equal(
        await holdMove(store, { id: mine.id, bookingKey: mine.bookingKey }, seat(base + 100 * MIN), NOW),
        'taken',
      );
    });
  });
}
