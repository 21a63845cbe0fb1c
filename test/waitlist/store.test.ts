// The waitlist on PGlite and PostgreSQL, over the real booking service's slots and holds: joining
// (one entry per number and day, the per-number limit, every refusal), one offer however many
// passes run at once, expiry handing the slot to the next in line, and an offer that cannot be
// sent for want of credits.
import t from 'tap';
import { HttpProblem } from '../../service/src/problem.ts';
import { openStore } from '../../service/src/store/open.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';
import {
  DAY,
  entries,
  harness,
  joinInput,
  liveSeats,
  offers,
  ORG,
  PATIENT_B,
  PATIENT_C,
  SLOT,
  SLUG,
  tokenOf,
  TYPE,
} from './store-helpers.ts';

const MINUTE = 60_000;

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

for (const backend of BACKENDS) {
  t.test(`joining on ${backend}: once per number and day, limited, every bad input refused`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, instance } = await harness(store);
    const { waitlist, logs } = instance();
    clinic.bookDays(14);

    const first = await waitlist.join(SLUG, joinInput(PATIENT_B));
    t.match(first, { entry: { date: DAY, state: 'waiting', position: 1 }, replayed: false });
    const again = await waitlist.join(SLUG, joinInput('07400 123456', { name: 'Bea Again' }));
    t.match(again, { entry: { position: 1 }, replayed: true }, 'the same number in national form is the same entry');
    const second = await waitlist.join(SLUG, joinInput(PATIENT_C));
    t.match(second, { entry: { position: 2 }, replayed: false });
    const rows = await entries(store);
    t.equal(rows.length, 2, 'one entry per number and day');
    t.ok(
      rows.every((row) => row.recipient_ciphertext && row.name_ciphertext),
      'number and name stored encrypted',
    );
    const [stored] = await store.query<{ recipient_ciphertext: Buffer }>(
      'select recipient_ciphertext from waitlist_entry',
    );
    t.notOk(stored!.recipient_ciphertext.toString('latin1').includes('7400123456'), 'not in clear');

    // Joining at once from two requests still makes one entry.
    await Promise.all([0, 1, 2].map(() => waitlist.join(SLUG, joinInput(PATIENT_C, { date: '2026-03-04' }))));
    t.equal((await entries(store)).length, 3);

    // The per-number limit: five live days at once.
    for (const date of ['2026-03-05', '2026-03-06', '2026-03-09']) {
      await waitlist.join(SLUG, joinInput(PATIENT_C, { date }));
    }
    t.same(await refusal(waitlist.join(SLUG, joinInput(PATIENT_C, { date: '2026-03-10' }))), {
      status: 429,
      code: 'waitlist_limit',
    });
    t.match(await waitlist.join(SLUG, joinInput(PATIENT_B, { date: '2026-03-10' })), { replayed: false });

    const refusals: [Record<string, unknown>, number, string][] = [
      [{ phone: '+447700900123' }, 400, 'invalid_phone'],
      [{ phone: 'call me' }, 400, 'invalid_phone'],
      [{ name: '   ' }, 400, 'invalid_details'],
      [{ smsConsent: false }, 400, 'consent_required'],
      [{ typeId: 'a01000000000009AAA' }, 404, 'unknown_type'],
      [{ date: '2026-03-01' }, 400, 'outside_horizon'],
      [{ date: '2026-06-01' }, 400, 'outside_horizon'],
      [{ date: '2026-02-30' }, 400, 'invalid_range'],
      [{ timeZone: 'Mars/Olympus' }, 400, 'invalid_time_zone'],
      // A Saturday: the clinic has no times at all, nothing can ever free.
      [{ date: '2026-03-07' }, 409, 'no_times_that_day'],
      // Beyond the booked fortnight: the day has its slot free.
      [{ date: '2026-03-20' }, 409, 'free_times'],
    ];
    for (const [change, status, code] of refusals) {
      t.same(await refusal(waitlist.join(SLUG, joinInput(PATIENT_B, change))), { status, code }, code);
    }
    t.same(await refusal(waitlist.join('nowhere', joinInput(PATIENT_B))), { status: 404, code: 'unknown_page' });
    t.notOk(
      logs.some((line) => /7400|7911|Bea/.test(line)),
      'no number or name in the log',
    );
  });

  t.test(`a freed slot on ${backend}: two passes at once make one offer, a retried pass none`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, clock, instance } = await harness(store);
    const one = instance();
    // On PostgreSQL the second instance has its own connection pool, as another process would.
    const secondStore =
      store.backend === 'postgres' ? await openStore({ dataDir: '', databaseUrl: store.connectionString }) : store;
    if (secondStore !== store) t.teardown(() => secondStore.close());
    const two = instance(secondStore);
    clinic.book(SLOT);
    await one.waitlist.join(SLUG, joinInput(PATIENT_B, { name: 'Bea Waiting' }));
    clock.advance(MINUTE);
    await one.waitlist.join(SLUG, joinInput(PATIENT_C, { name: 'Cal Next' }));

    clinic.cancel(SLOT);
    const results = await Promise.all([one.waitlist.pass(ORG, TYPE), two.waitlist.pass(ORG, TYPE)]);
    t.equal(results[0]!.offered + results[1]!.offered, 1, 'one offer between the two passes');
    const sent = [...one.sent, ...two.sent];
    t.equal(sent.length, 1, 'one text');
    t.equal(sent[0]!.to, PATIENT_B, 'to the first in line');
    t.match(
      sent[0]!.body,
      /^Hi Bea, a time is free at Riverside Clinic: Initial Assessment, Tue 3 Mar, 10:00 AM GMT\./,
    );
    t.match(sent[0]!.body, /held for you for 15 minutes/);
    const live = (await offers(store)).filter((offer) => offer.state === 'offered');
    t.equal(live.length, 1);
    t.same(
      (await entries(store)).map((entry) => entry.state),
      ['offered', 'waiting'],
    );
    t.equal(await liveSeats(store, clock.now()), 1, 'the slot is held');
    t.match(
      await one.waitlist.join(SLUG, joinInput('+447400654321')),
      { replayed: false, entry: { position: 3 } },
      'the held slot reads as taken: the day is still full, so one may join',
    );
    const expiries = [...one.expiries, ...two.expiries];
    t.ok(
      expiries.some((expiry) => expiry.at.getTime() === clock.now().getTime() + 15 * MINUTE),
      'the expiry is scheduled for the end of the hold',
    );

    // A retried job, or a third instance: nothing new.
    t.same(await two.waitlist.pass(ORG, TYPE), { offered: 0 });
    t.equal(one.sent.length + two.sent.length, 1);

    // The link shows the held slot.
    const view = await one.waitlist.offer(tokenOf(sent[0]!.body));
    t.match(view, { state: 'open', start: SLOT, typeName: 'Initial Assessment', resourceName: 'Dr Okafor' });
  });

  t.test(`a type booked with a deposit on ${backend} has no waitlist: an offer would skip the payment`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, payments, instance } = await harness(store);
    const one = instance();
    clinic.book(SLOT);
    await one.waitlist.join(SLUG, joinInput(PATIENT_B));
    payments.depositRequired = true;
    t.same(await refusal(one.waitlist.join(SLUG, joinInput(PATIENT_C))), { status: 409, code: 'deposit_type' });
    t.equal((await one.waitlist.workingDays(SLUG, TYPE, DAY, DAY, 'Europe/London')).size, 0, 'no link to join');
    clinic.cancel(SLOT);
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 0 }, 'an entry from before the deposit is not offered');
    t.equal(one.sent.length, 0, 'nothing texted');
  });

  t.test(`an offer that runs out on ${backend} goes to the next in line`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, clock, instance } = await harness(store);
    const { waitlist, sent, passes } = instance();
    clinic.book(SLOT);
    await waitlist.join(SLUG, joinInput(PATIENT_B));
    clock.advance(MINUTE);
    await waitlist.join(SLUG, joinInput(PATIENT_C, { name: 'Cal Next' }));
    clinic.cancel(SLOT);
    await waitlist.pass(ORG, TYPE);
    const [offer] = await offers(store);
    const firstToken = tokenOf(sent[0]!.body);

    const early = await waitlist.settle(offer!.id);
    t.equal(early?.getTime(), clock.now().getTime() + 15 * MINUTE, 'a job that runs early looks again at the end');
    clock.advance(15 * MINUTE);
    t.equal(await waitlist.settle(offer!.id), undefined);
    t.same(passes, [{ orgId: ORG, typeId: TYPE }], 'a pass is asked for');
    t.match(await offers(store), [{ state: 'expired' }]);
    const [b, c] = await entries(store);
    t.match(b, { state: 'expired', recipient_ciphertext: null, name_ciphertext: null }, 'number and name deleted');
    t.match(c, { state: 'waiting' });
    t.equal(await liveSeats(store, clock.now()), 0, 'the hold is released');
    t.same(await refusal(waitlist.offer(firstToken)), { status: 410, code: 'offer_expired' }, 'the old link');

    t.same(await waitlist.pass(ORG, TYPE), { offered: 1 });
    t.equal(sent.length, 2);
    t.equal(sent[1]!.to, PATIENT_C, 'the next in line has it');
    t.match(sent[1]!.body, /^Hi Cal,/);
    t.equal(await liveSeats(store, clock.now()), 1);
    t.equal(await waitlist.settle(offer!.id), undefined, 'settling twice changes nothing');
    t.equal(sent.length, 2);
  });

  t.test(`no credits on ${backend}: nothing sent, the hold released, the entry keeps its place`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, clock, instance } = await harness(store);
    const one = instance();
    clinic.book(SLOT);
    await one.waitlist.join(SLUG, joinInput(PATIENT_B));
    clinic.cancel(SLOT);
    one.answer = () => ({ kind: 'no_credits' });
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 0 });
    t.match(await offers(store), [{ state: 'unsent', reason: 'no_credits' }]);
    t.match(await entries(store), [{ state: 'waiting' }]);
    t.equal(await liveSeats(store, clock.now()), 0, 'no hold left behind');
    t.ok(one.logs.some((line) => line.includes('no SMS credits left')));
    t.notOk(
      one.logs.some((line) => line.includes('7400')),
      'no number in the log',
    );

    // Twilio asks for a moment: nothing held, another pass asked for after it.
    one.answer = () => ({ kind: 'retry', code: 429, afterMs: 3000, maybeSent: false });
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 0 });
    t.same(one.passes, [{ orgId: ORG, typeId: TYPE, delayMs: 3000 }]);
    t.equal(await liveSeats(store, clock.now()), 0);
    t.match(await entries(store), [{ state: 'waiting' }]);

    // Credits again: the same slot goes to the same patient (the earlier attempts do not count).
    one.answer = () => ({ kind: 'sent', sid: 'SM1', status: 'queued', segments: 2 });
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 1 });
    t.equal(one.sent[0]?.to, PATIENT_B);
  });

  t.test(`an opted-out number on ${backend} leaves the waitlist; the slot goes to the next`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, clock, instance } = await harness(store);
    const one = instance();
    clinic.book(SLOT);
    await one.waitlist.join(SLUG, joinInput(PATIENT_B));
    clock.advance(MINUTE);
    await one.waitlist.join(SLUG, joinInput(PATIENT_C));
    clinic.cancel(SLOT);
    let calls = 0;
    one.answer = () =>
      calls++ === 0 ? { kind: 'skipped_opted_out' } : { kind: 'sent', sid: 'SM1', status: 'queued', segments: 2 };
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 1 });
    t.same(
      one.sent.map((text) => text.to),
      [PATIENT_C],
    );
    t.match(await entries(store), [{ state: 'left', recipient_ciphertext: null }, { state: 'offered' }]);
    t.match(await offers(store), [{ state: 'unsent', reason: 'opted_out' }, { state: 'offered' }]);
  });

  t.test(`quiet hours on ${backend}: nothing is texted at night, a pass is asked for when they end`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const { clinic, clock, instance } = await harness(store);
    const one = instance();
    clinic.book('2026-03-04T10:00:00.000Z');
    await one.waitlist.join(SLUG, joinInput(PATIENT_B, { date: '2026-03-04' }));
    clinic.cancel('2026-03-04T10:00:00.000Z');
    // 22:30 in London, Monday: quiet until 08:00 on Tuesday.
    clock.advance(10.5 * 60 * MINUTE);
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 0 });
    t.same(one.sent, []);
    t.same(one.passes, [{ orgId: ORG, typeId: TYPE, delayMs: 9.5 * 60 * MINUTE + 1000 }], 'again at 08:00');
    t.same(await offers(store), [], 'no slot held at night');
    clock.advance(9.5 * 60 * MINUTE);
    t.same(await one.waitlist.pass(ORG, TYPE), { offered: 1 }, 'offered at 08:00');
  });
}
