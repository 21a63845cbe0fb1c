import t from 'tap';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { recipientHash, recipientKey } from '../../service/src/sms/recipient.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

t.test('recipient hashes differ per org and per key, and are stable', async (t) => {
  const key = Buffer.alloc(32, 1);
  const a = recipientHash(key, '00D000000000001AAA', '+447911123456');
  t.match(a, /^[0-9a-f]{64}$/);
  t.equal(recipientHash(key, '00D000000000001AAA', '+447911123456'), a);
  t.not(recipientHash(key, '00D000000000002AAA', '+447911123456'), a, 'another org');
  t.not(recipientHash(Buffer.alloc(32, 2), '00D000000000001AAA', '+447911123456'), a, 'another key');
  t.not(recipientHash(key, '00D000000000001AAA', '+447911123457'), a, 'another number');
  t.notOk(a.includes('7911123456'));
});

for (const backend of BACKENDS) {
  t.test(`recipient key on ${backend}: created once, encrypted, shared by racing instances`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('k1')]));
    const sources = Array.from({ length: 5 }, () => recipientKey(() => store, envelope));
    const keys = await Promise.all(sources.map((source) => source()));
    t.equal(keys[0]!.length, 32);
    for (const key of keys) t.ok(key.equals(keys[0]!), 'every instance has the winner');
    const rows = await store.query<{ key_ciphertext: Buffer }>('select key_ciphertext from sms_recipient_key');
    t.equal(rows.length, 1);
    t.notOk(rows[0]!.key_ciphertext.includes(keys[0]!), 'stored encrypted');
    t.ok((await recipientKey(() => store, envelope)()).equals(keys[0]!), 'a later instance reads it back');
  });
}
