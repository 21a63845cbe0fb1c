import t from 'tap';
import { migrate } from '../../service/src/store/migrate.ts';
import { openStore } from '../../service/src/store/open.ts';
import type { Store } from '../../service/src/store/store.ts';
import { decideSend, tryTakeSendSlot, waitForSendSlot } from '../../service/src/sms/rate-limit.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';

const SECOND_US = 1_000_000;

t.test('decideSend spaces messages one interval apart, with an optional burst', async (t) => {
  const rate = { perSecond: 4, burst: 1 };
  const first = decideSend(undefined, 10 * SECOND_US, rate);
  t.same(first, { allowed: true, nextFreeUs: 10 * SECOND_US + 250_000 });
  t.same(decideSend(10 * SECOND_US + 250_000, 10 * SECOND_US + 100_000, rate), { allowed: false, retryAfterMs: 150 });
  t.same(decideSend(10 * SECOND_US + 250_000, 10 * SECOND_US + 250_000, rate), {
    allowed: true,
    nextFreeUs: 10 * SECOND_US + 500_000,
  });
  t.same(
    decideSend(5 * SECOND_US, 10 * SECOND_US, rate),
    { allowed: true, nextFreeUs: 10 * SECOND_US + 250_000 },
    'idle time is not banked',
  );

  const burst = { perSecond: 4, burst: 3 };
  let state: number | undefined;
  const now = 20 * SECOND_US;
  const allowed: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    const decision = decideSend(state, now, burst);
    allowed.push(decision.allowed);
    if (decision.allowed) state = decision.nextFreeUs;
  }
  t.same(allowed, [true, true, true, false], 'three back to back, then wait');
  t.throws(() => decideSend(undefined, now, { perSecond: 0, burst: 1 }), RangeError);
  t.throws(() => decideSend(undefined, now, { perSecond: 1, burst: 0 }), RangeError);
});

/** Largest number of times within any half-open window of one second. */
function busiestSecond(timesUs: number[]): number {
  const sorted = [...timesUs].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= SECOND_US) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: two instances sharing the store never exceed the rate in any one-second window`, async (t) => {
    const config = await freshStoreConfig(t, backend);
    if (!config) return;
    // PGlite is one process's data folder, so its "instances" share one store; PostgreSQL gets two pools.
    const first = await openStore(config);
    t.teardown(() => first.close());
    await migrate(first);
    let second: Store = first;
    if (backend === 'postgres') {
      const other = await openStore(config);
      t.teardown(() => other.close());
      second = other;
    }
    const rate = { perSecond: 10, burst: 1 };
    const granted: { instance: string; atUs: number }[] = [];
    const until = Date.now() + 1_500;
    const hammer = async (store: Store, instance: string) => {
      // Bounded: at most 2,000 attempts or 1.5 s, whichever ends first.
      for (let i = 0; i < 2_000 && Date.now() < until; i++) {
        const decision = await tryTakeSendSlot(store, 'MG-shared', rate);
        if (decision.allowed) granted.push({ instance, atUs: decision.atUs });
      }
    };
    await Promise.all([hammer(first, 'a'), hammer(second, 'b')]);
    t.ok(
      busiestSecond(granted.map((g) => g.atUs)) <= 10,
      `busiest second: ${busiestSecond(granted.map((g) => g.atUs))}`,
    );
    t.ok(granted.length >= 5, `the limiter lets messages through (${granted.length} in 1.5 s)`);
    t.ok(new Set(granted.map((g) => g.instance)).size === 2, 'both instances got slots');

    const other = await tryTakeSendSlot(first, 'MG-other', rate);
    t.equal(other.allowed, true, 'each sender has its own limit');
  });

  t.test(`${backend}: waitForSendSlot waits for the next slot, or gives up past its limit`, async (t) => {
    const config = await freshStoreConfig(t, backend);
    if (!config) return;
    const store = await openStore(config);
    t.teardown(() => store.close());
    await migrate(store);
    const rate = { perSecond: 5, burst: 1 };
    t.equal((await tryTakeSendSlot(store, '+15005550006', rate)).allowed, true);
    t.equal(await waitForSendSlot(store, '+15005550006', rate, 10), false, 'the next slot is 200 ms away');
    const started = Date.now();
    t.equal(await waitForSendSlot(store, '+15005550006', rate, 1_000), true);
    t.ok(Date.now() - started >= 100, 'it waited for the slot');
  });
}
