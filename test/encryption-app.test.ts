import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Envelope } from '../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, formatMasterKeys, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { requestKeyRotation } from '../service/src/crypto/rotation.ts';
import { sandboxMasterKeys } from '../service/src/crypto/sandbox-keys.ts';
import { buildTestApp } from './helpers/app.ts';
import { tempDataDir } from './helpers/backends.ts';
import { waitFor } from './helpers/process.ts';

t.test('sandbox mode makes a master key once, readable by the owner only', async (t) => {
  const dataDir = tempDataDir(t);
  const first = sandboxMasterKeys(dataDir);
  const second = sandboxMasterKeys(dataDir);
  t.same(second, first, 'the kept key is used again');
  t.equal(first[0]!.key.length, 32);
  t.equal(statSync(join(dataDir, 'sandbox-encryption-keys')).mode & 0o777, 0o600);
  t.equal(readFileSync(join(dataDir, 'sandbox-encryption-keys'), 'utf8').trim(), formatMasterKeys(first));
});

t.test('a new master key put first in ENCRYPTION_KEYS moves registered columns to it in the background', async (t) => {
  const oldKey = generateMasterKey('k1');
  const newKey = generateMasterKey('k2');
  const { app } = await buildTestApp(t, { ENCRYPTION_KEYS: formatMasterKeys([newKey, oldKey]) });
  app.encryptedColumns.push({ table: 'contact', column: 'phone_ciphertext', idColumn: 'id' });
  await app.ready();
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  await store.exec('create table contact (id int primary key, phone_ciphertext bytea)');
  const before = new Envelope(new ConfiguredKeyProvider([oldKey]));
  for (const id of [1, 2, 3]) {
    const value = await before.encrypt(`+1415555000${id}`, {
      table: 'contact',
      column: 'phone_ciphertext',
      rowId: String(id),
    });
    await store.query('insert into contact values ($1, $2)', [id, value]);
  }

  await requestKeyRotation(app.jobs);
  const rows = await waitFor('the rotation job', async () => {
    const current = await store.query<{ id: number; phone_ciphertext: Buffer }>('select * from contact order by id');
    return current.every((row) => app.envelope.keyIdOf(row.phone_ciphertext) === 'k2') ? current : undefined;
  });
  const onlyNewKey = new Envelope(new ConfiguredKeyProvider([newKey]));
  for (const row of rows) {
    const context = { table: 'contact', column: 'phone_ciphertext', rowId: String(row.id) };
    t.equal(await onlyNewKey.decryptText(row.phone_ciphertext, context), `+1415555000${row.id}`);
  }
});
