import t from 'tap';
import { Envelope } from '../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import {
  API_KEY_PATTERN,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  issueApiKey,
  listApiKeys,
  revokeApiKeys,
  verifyApiKey,
} from '../service/src/org/api-keys.ts';
import { saveConnection } from '../service/src/org/connections.ts';
import { ORG_ID_PATTERN, toId18 } from '../service/src/salesforce/ids.ts';
import { migrate } from '../service/src/store/migrate.ts';
import type { Store } from '../service/src/store/store.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';

const ORG_A = toId18('00D5g00000A1b2c', ORG_ID_PATTERN)!;
const ORG_B = toId18('00D5g00000Z9y8x', ORG_ID_PATTERN)!;

async function connect(store: Store, orgId: string): Promise<void> {
  const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('k1')]));
  await saveConnection(store, envelope, {
    orgId,
    instanceUrl: 'https://acme.my.salesforce.com',
    loginHost: 'login.salesforce.com',
    integrationUserId: '005000000000001',
    refreshToken: '5Aep861refresh.token',
    apiVersion: '62.0',
  });
}

t.test('a key is swk_ and 256 random bits in base64url', async (t) => {
  const keys = Array.from({ length: 200 }, () => generateApiKey());
  for (const key of keys) t.match(key, API_KEY_PATTERN);
  t.equal(new Set(keys).size, keys.length, 'no two alike');
  t.equal(new Set(keys.map(apiKeyPrefix)).size, keys.length, 'prefixes practically unique too');
  const bytes = Buffer.from(keys[0]!.slice(4), 'base64url');
  t.equal(bytes.length, 32, '32 random bytes');
  // Every bit position takes both values across 200 keys: nothing fixed or biased grossly.
  const ones = new Array<number>(256).fill(0);
  for (const key of keys) {
    const random = Buffer.from(key.slice(4), 'base64url');
    for (let bit = 0; bit < 256; bit++) if (random[bit >> 3]! & (1 << (bit & 7))) ones[bit]!++;
  }
  t.ok(
    ones.every((count) => count > 50 && count < 150),
    'each bit is set in roughly half of the keys',
  );
});

t.test('the hash is SHA-256 of the key and compares in constant time, to the last byte', async (t) => {
  const key = generateApiKey();
  const hash = hashApiKey(key);
  t.equal(hash.length, 32);
  t.same(hashApiKey(key), hash, 'deterministic');
  t.notSame(hashApiKey(generateApiKey()), hash);
  t.ok(hashesEqual(hash, Buffer.from(hash)));
  const lastByteDiffers = Buffer.from(hash);
  lastByteDiffers[31] = lastByteDiffers[31]! ^ 1;
  t.notOk(hashesEqual(lastByteDiffers, hash), 'a hash differing only in its last byte does not match');
  t.notOk(hashesEqual(hash.subarray(0, 31), hash), 'a shorter stored value never matches (and does not throw)');
});

for (const backend of BACKENDS) {
  t.test(`${backend}: issued keys verify; wrong, altered or malformed keys do not`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await connect(store, ORG_A);
    const issued = await issueApiKey(store, ORG_A);
    t.match(issued.key, API_KEY_PATTERN);
    t.equal(issued.prefix, issued.key.slice(0, 12));
    t.same(await verifyApiKey(store, issued.key), { orgId: ORG_A, keyId: issued.keyId });

    const [row] = await store.query<{ key_hash: Buffer; key_prefix: string }>(
      'select key_hash, key_prefix from org_api_key',
    );
    t.same(row!.key_hash, hashApiKey(issued.key), 'only the hash is stored');
    t.notOk(JSON.stringify(await store.query('select * from org_api_key')).includes(issued.key.slice(12)));

    const sameprefix = issued.key.slice(0, -1) + (issued.key.endsWith('A') ? 'B' : 'A');
    t.equal(await verifyApiKey(store, sameprefix), undefined, 'same prefix, different key');
    t.equal(await verifyApiKey(store, generateApiKey()), undefined, 'unknown key');
    t.equal(await verifyApiKey(store, `${issued.key}x`), undefined, 'malformed key');
    t.equal(await verifyApiKey(store, ''), undefined);

    // The stored hash altered in its last byte only: the comparison looks at every byte.
    const altered = Buffer.from(row!.key_hash);
    altered[31] = altered[31]! ^ 0x80;
    await store.query('update org_api_key set key_hash = $1', [altered]);
    t.equal(await verifyApiKey(store, issued.key), undefined, 'a hash differing in its last byte fails');
  });

  t.test(`${backend}: rotation keeps both keys valid until the grace period ends`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await connect(store, ORG_A);
    const start = new Date('2030-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
    const first = await issueApiKey(store, ORG_A, { now: start });
    t.ok(await verifyApiKey(store, first.key, at(10 * 86_400)), 'a lone key does not expire');

    const second = await issueApiKey(store, ORG_A, { now: at(60), graceSeconds: 3600 });
    t.same(await verifyApiKey(store, first.key, at(61)), { orgId: ORG_A, keyId: first.keyId }, 'old key in grace');
    t.same(await verifyApiKey(store, second.key, at(61)), { orgId: ORG_A, keyId: second.keyId }, 'new key');
    t.ok(await verifyApiKey(store, first.key, at(60 + 3599)), 'old key until the grace ends');
    t.equal(await verifyApiKey(store, first.key, at(60 + 3600)), undefined, 'old key expired');
    t.ok(await verifyApiKey(store, second.key, at(60 + 3600)), 'new key still valid');

    // The default grace is 24 hours; a third key does not extend the first one's grace.
    const third = await issueApiKey(store, ORG_A, { now: at(120) });
    t.ok(await verifyApiKey(store, second.key, at(120 + 86_399)));
    t.equal(await verifyApiKey(store, second.key, at(120 + 86_400)), undefined);
    t.equal(await verifyApiKey(store, first.key, at(121 + 3600)), undefined);
    t.ok(await verifyApiKey(store, third.key, at(120 + 86_400)));

    const listed = await listApiKeys(store, ORG_A);
    t.same(
      listed.map((key) => [key.keyId, key.prefix]),
      [first, second, third].map((key) => [key.keyId, key.prefix]),
    );
    t.same(listed[0]!.expiresAt, at(60 + 3600));
    t.same(listed[1]!.expiresAt, at(120 + 86_400));
    t.equal(listed[2]!.expiresAt, null);
  });

  t.test(`${backend}: revoking ends every key of the org at once, and only that org's`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await connect(store, ORG_A);
    await connect(store, ORG_B);
    const now = new Date();
    const first = await issueApiKey(store, ORG_A, { now });
    const second = await issueApiKey(store, ORG_A, { now });
    const other = await issueApiKey(store, ORG_B, { now });
    t.equal(await revokeApiKeys(store, ORG_A, now), 2);
    t.equal(await verifyApiKey(store, first.key), undefined);
    t.equal(await verifyApiKey(store, second.key), undefined);
    t.same(await verifyApiKey(store, other.key), { orgId: ORG_B, keyId: other.keyId });
    t.equal(await revokeApiKeys(store, ORG_A, now), 0, 'nothing left to revoke');
  });

  t.test(`${backend}: keys of a disconnected org fail; keys need a connection`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await connect(store, ORG_A);
    const issued = await issueApiKey(store, ORG_A);
    await store.query('update org_connection set disconnected_at = now()');
    t.equal(await verifyApiKey(store, issued.key), undefined);
    await t.rejects(issueApiKey(store, ORG_B), /not connected/);
  });
}
