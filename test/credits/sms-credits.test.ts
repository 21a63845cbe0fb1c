import t, { type Test } from 'tap';
import { consumeSmsCredits, releaseSmsCredits } from '../../service/src/credits/sms-credits.ts';
import { creditBalance } from '../../service/src/credits/store.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { recordOutbound } from '../../service/src/sms/outbound.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const ORG = '00D5g0000SmsCrdAAA';
const NOW = new Date('2026-03-10T12:00:00Z');
const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')]));

async function smsStore(t: Test, backend: (typeof BACKENDS)[number]): Promise<Store | undefined> {
  const store = await freshStore(t, backend);
  if (!store) return undefined;
  await migrate(store);
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
     values ($1, 'https://example.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [ORG],
  );
  return store;
}

function record(store: Store, segments: number, openingAllowance: number) {
  return recordOutbound(
    store,
    envelope,
    {
      orgId: ORG,
      kind: 'adhoc',
      reminderId: null,
      appointmentId: null,
      recipientHash: 'hash',
      to: '+447400123456',
      body: 'Hello',
      sender: '+15005550006',
      segments,
    },
    { now: NOW, openingAllowance },
  );
}

for (const backend of BACKENDS) {
  t.test(`${backend}: an attempt reserves, consumes what Twilio counted and releases the rest`, async (t) => {
    const store = await smsStore(t, backend);
    if (!store) return;
    const options = { now: NOW, openingAllowance: 10 };
    const first = await record(store, 3, 10);
    t.ok(first, 'recorded');
    t.same(await creditBalance(store, ORG, 10), { available: 7, reserved: 3 }, 'reserved with the attempt');

    await store.transaction((tx) => consumeSmsCredits(tx, first!.id, 2, options));
    t.same(await creditBalance(store, ORG, 10), { available: 8, reserved: 0 }, 'two used, one back');
    await store.transaction((tx) => consumeSmsCredits(tx, first!.id, 2, options));
    await store.transaction((tx) => releaseSmsCredits(tx, first!.id, options));
    t.same(await creditBalance(store, ORG, 10), { available: 8, reserved: 0 }, 'repeats post nothing');

    const second = await record(store, 1, 10);
    await store.transaction((tx) => consumeSmsCredits(tx, second!.id, 3, options));
    t.same(await creditBalance(store, ORG, 10), { available: 5, reserved: 0 }, 'more than estimated: all consumed');

    const third = await record(store, 2, 10);
    await store.transaction((tx) => releaseSmsCredits(tx, third!.id, options));
    t.same(await creditBalance(store, ORG, 10), { available: 5, reserved: 0 }, 'no message: all back');
  });

  t.test(
    `${backend}: an attempt the credits do not cover is not recorded; the balance never goes negative`,
    async (t) => {
      const store = await smsStore(t, backend);
      if (!store) return;
      const options = { now: NOW, openingAllowance: 2 };
      t.equal(await record(store, 3, 2), undefined, 'three segments, two credits: refused');
      const [{ n }] = (await store.query<{ n: number }>('select count(*)::int8 as n from sms_message')) as [
        { n: number },
      ];
      t.equal(n, 0, 'no message row left behind');

      const attempt = await record(store, 2, 2);
      const { uncovered } = await store.transaction((tx) => consumeSmsCredits(tx, attempt!.id, 5, options));
      t.equal(uncovered, 3, 'Twilio counted three more than the balance could cover');
      t.same(await creditBalance(store, ORG, 2), { available: 0, reserved: 0 });
    },
  );

  t.test(`${backend}: concurrent attempts never spend more than the balance`, async (t) => {
    const store = await smsStore(t, backend);
    if (!store) return;
    const attempts = await Promise.all(Array.from({ length: 12 }, () => record(store, 1, 5)));
    t.equal(attempts.filter(Boolean).length, 5, 'exactly five of twelve recorded');
    t.same(await creditBalance(store, ORG, 5), { available: 0, reserved: 5 });
  });
}
