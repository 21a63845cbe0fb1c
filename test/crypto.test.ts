import { randomBytes } from 'node:crypto';
import t from 'tap';
import { Envelope, keyIdPrefix, type CipherContext } from '../service/src/crypto/envelope.ts';
import { DecryptionError } from '../service/src/crypto/errors.ts';
import {
  ConfiguredKeyProvider,
  formatMasterKeys,
  generateMasterKey,
  parseMasterKeys,
} from '../service/src/crypto/key-provider.ts';
import {
  defineKeyRotation,
  requestKeyRotation,
  rotateColumn,
  type EncryptedColumn,
} from '../service/src/crypto/rotation.ts';
import { JobQueue } from '../service/src/jobs/queue.ts';
import type { Queryable, Row, Store } from '../service/src/store/store.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';

const k1 = generateMasterKey('k1');
const k2 = generateMasterKey('k2');
const underK1 = new Envelope(new ConfiguredKeyProvider([k1]));
const underK2ReadingK1 = new Envelope(new ConfiguredKeyProvider([k2, k1]));
const onlyK2 = new Envelope(new ConfiguredKeyProvider([k2]));

const context: CipherContext = { table: 'client', column: 'phone', rowId: '42' };
const phoneColumn: EncryptedColumn = { table: 'client', column: 'phone', idColumn: 'id' };

/** Positions whose altered ciphertext did not fail with DecryptionError (none should). */
async function acceptedVariants(envelope: Envelope, variants: Buffer[], at: CipherContext): Promise<number[]> {
  const accepted: number[] = [];
  for (const [index, variant] of variants.entries()) {
    const outcome = await envelope.decrypt(variant, at).then(
      () => 'decrypted',
      (error: unknown) => error,
    );
    if (!(outcome instanceof DecryptionError)) accepted.push(index);
  }
  return accepted;
}

t.test('text and binary values round-trip', async (t) => {
  const text = 'Zoë, +1 555 0100 ☎';
  const textCiphertext = await underK1.encrypt(text, context);
  t.equal(await underK1.decryptText(textCiphertext, context), text);
  t.notOk(textCiphertext.includes(Buffer.from(text)), 'the plaintext does not appear in the ciphertext');

  const binary = randomBytes(1000);
  t.same(await underK1.decrypt(await underK1.encrypt(binary, context), context), binary);
  t.same(await underK1.decrypt(await underK1.encrypt(Buffer.alloc(0), context), context), Buffer.alloc(0));
  t.equal(underK1.keyIdOf(textCiphertext), 'k1');
});

t.test('the same plaintext encrypts differently each time', async (t) => {
  const first = await underK1.encrypt('same', context);
  const second = await underK1.encrypt('same', context);
  t.notSame(first, second);
  t.equal(await underK1.decryptText(second, context), 'same');
});

t.test('a value under a newer key decrypts with every configured key, an older key id is found', async (t) => {
  const ciphertext = await underK2ReadingK1.encrypt('new', context);
  t.equal(underK2ReadingK1.keyIdOf(ciphertext), 'k2');
  t.equal(await onlyK2.decryptText(ciphertext, context), 'new');
  await t.rejects(underK1.decrypt(ciphertext, context), DecryptionError, 'k2 is not configured there');
  await t.rejects(onlyK2.decrypt(await underK1.encrypt('old', context), context), {
    name: 'DecryptionError',
    message: /"k1".*not configured/,
  });
});

t.test('a changed byte anywhere is rejected', async (t) => {
  const ciphertext = await underK1.encrypt('a secret note', context);
  for (const mask of [0x01, 0x80, 0xff]) {
    const flipped = [...ciphertext.keys()].map((position) => {
      const copy = Buffer.from(ciphertext);
      copy[position]! ^= mask;
      return copy;
    });
    t.same(await acceptedVariants(underK1, flipped, context), [], `every position, xor ${mask}`);
  }
});

t.test('a truncated or extended value is rejected', async (t) => {
  const ciphertext = await underK1.encrypt('a secret note', context);
  const truncated = [...ciphertext.keys()].map((length) => ciphertext.subarray(0, length));
  t.same(await acceptedVariants(underK1, truncated, context), [], 'every shorter length');
  await t.rejects(underK1.decrypt(Buffer.concat([ciphertext, Buffer.from([0])]), context), DecryptionError);
});

t.test('a value only decrypts in the table, column and row it was encrypted for', async (t) => {
  const ciphertext = await underK1.encrypt('+15550100', context);
  for (const elsewhere of [
    { ...context, rowId: '43' },
    { ...context, column: 'email' },
    { ...context, table: 'staff' },
  ]) {
    await t.rejects(underK1.decrypt(ciphertext, elsewhere), DecryptionError, JSON.stringify(elsewhere));
  }
  const joined = await underK1.encrypt('x', { table: 'a', column: 'bc', rowId: '1' });
  await t.rejects(
    underK1.decrypt(joined, { table: 'ab', column: 'c', rowId: '1' }),
    DecryptionError,
    'the parts of the context are kept apart',
  );
});

t.test('rewrap moves the data key to the current master key and keeps the value', async (t) => {
  const ciphertext = await underK1.encrypt('+15550100', context);
  const rewrapped = await underK2ReadingK1.rewrap(ciphertext, context);
  t.equal(underK2ReadingK1.keyIdOf(rewrapped), 'k2');
  t.equal(await onlyK2.decryptText(rewrapped, context), '+15550100');
  const ownBytes = 12 + 16 + '+15550100'.length;
  t.same(rewrapped.subarray(-ownBytes), ciphertext.subarray(-ownBytes), "the value's IV, tag and ciphertext are kept");
  t.notSame(rewrapped.subarray(0, -ownBytes), ciphertext.subarray(0, -ownBytes), 'its wrapped data key is not');

  await t.rejects(underK2ReadingK1.rewrap(ciphertext, { ...context, rowId: '43' }), DecryptionError);
  const alteredBody = Buffer.from(ciphertext);
  alteredBody[alteredBody.length - 1]! ^= 0x01;
  await t.rejects(underK2ReadingK1.rewrap(alteredBody, context), DecryptionError, 'an altered value is not re-blessed');
});

t.test('keyIdPrefix is the bytes after the version byte', async (t) => {
  const ciphertext = await underK1.encrypt('x', context);
  t.same(ciphertext.subarray(1, 1 + keyIdPrefix('k1').length), keyIdPrefix('k1'));
  t.same(keyIdPrefix('k1'), Buffer.from([2, 0x6b, 0x31]));
  t.notSame(keyIdPrefix('k1'), keyIdPrefix('k12').subarray(0, 3), 'the length keeps k1 and k12 apart');
});

t.test('the configured key provider checks its keys', async (t) => {
  t.throws(() => new ConfiguredKeyProvider([]), /at least one/);
  t.throws(() => new ConfiguredKeyProvider([{ id: 'k1', key: randomBytes(16) }]), /"k1" is 16 bytes/);
  t.throws(() => new ConfiguredKeyProvider([k1, { id: 'k1', key: randomBytes(32) }]), /"k1" appears more than once/);
  t.throws(() => new ConfiguredKeyProvider([{ id: 'k 1', key: randomBytes(32) }]), /key ids must be/);
  t.throws(() => generateMasterKey('x'.repeat(33)), /key ids must be/);
  t.equal(new ConfiguredKeyProvider([k2, k1]).currentKeyId, 'k2', 'the first key is the current one');
});

t.test('parseMasterKeys reads id:base64key entries, newest first', async (t) => {
  const keys = parseMasterKeys(formatMasterKeys([k2, k1]));
  t.same(
    keys.map((key) => key.id),
    ['k2', 'k1'],
  );
  t.same(keys[0]!.key, k2.key);
  t.same(keys[1]!.key, k1.key);
  t.same(parseMasterKeys(` k2:${k2.key.toString('base64')} , k1:${k1.key.toString('base64')}\n`), [k2, k1]);
});

t.test('parseMasterKeys says what is wrong without repeating key material', async (t) => {
  const good = k1.key.toString('base64');
  const short = randomBytes(16).toString('base64');
  const cases: [string, string, RegExp][] = [
    ['empty', '  ', /empty/],
    ['no colon', good, /entry 1 is not in the form id:base64key/],
    ['missing id', `k2:${k2.key.toString('base64')},:${good}`, /entry 2 has no key id/],
    ['bad id', `key one:${good}`, /entry 1 has a key id that is not/],
    ['bad base64', `k1:${good.slice(0, 20)}!${good.slice(21)}`, /entry 1 \(key "k1"\) is not valid base64/],
    ['no key', 'k1:', /entry 1 \(key "k1"\) is not valid base64/],
    ['wrong length', `k1:${short}`, /"k1" is 16 bytes; AES-256 needs 32/],
    ['duplicate id', `k1:${good},k1:${k2.key.toString('base64')}`, /"k1" appears more than once/],
    ['empty entry', `k1:${good},`, /entry 2 is not in the form/],
  ];
  for (const [name, text, expected] of cases) {
    const error = (() => {
      try {
        parseMasterKeys(text);
        return undefined;
      } catch (caught) {
        return caught as Error;
      }
    })();
    t.match(error?.message, expected, name);
    for (const secret of [good, short, k2.key.toString('base64'), good.slice(0, 20)]) {
      t.notOk(error?.message.includes(secret), `${name}: the message holds no key material`);
    }
  }
});

t.test('rotateColumn refuses identifiers that are not plain SQL names', async (t) => {
  const untouched: Queryable = {
    query: async () => {
      throw new Error('no query should run');
    },
  };
  for (const column of [
    { ...phoneColumn, table: 'client; drop table client' },
    { ...phoneColumn, column: 'Phone' },
    { ...phoneColumn, idColumn: 'id"' },
  ]) {
    await t.rejects(rotateColumn(untouched, underK2ReadingK1, column), /not a plain lower-case SQL identifier/);
  }
});

async function clientTable(store: Store, ids: readonly (number | string)[], envelope = underK1): Promise<void> {
  const idType = typeof ids[0] === 'string' ? 'text' : 'int';
  await store.exec(`create table client (id ${idType} primary key, phone bytea)`);
  for (const id of ids) {
    await store.query('insert into client (id, phone) values ($1, $2)', [
      id,
      await envelope.encrypt(plaintextOf(id), { ...context, rowId: String(id) }),
    ]);
  }
}

function plaintextOf(id: number | string): string {
  return `+1555010${id}`;
}

async function phones(store: Store): Promise<{ id: number | string; phone: Buffer | null }[]> {
  return store.query('select id, phone from client order by id');
}

async function decryptsAll(envelope: Envelope, store: Store): Promise<boolean> {
  for (const { id, phone } of await phones(store)) {
    if (!phone) continue;
    const text = await envelope.decryptText(phone, { ...context, rowId: String(id) }).catch(() => undefined);
    if (text !== plaintextOf(id)) return false;
  }
  return true;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: ciphertexts swapped between rows fail to decrypt`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await clientTable(store, [1, 2]);
    t.ok(await decryptsAll(underK1, store), 'in place, both decrypt');
    await store.query(
      `update client set phone = (select phone from client other where other.id <> client.id) where id in (1, 2)`,
    );
    for (const { id, phone } of await phones(store)) {
      await t.rejects(underK1.decrypt(phone!, { ...context, rowId: String(id) }), DecryptionError, `row ${id}`);
    }
  });

  t.test(`${backend}: rotation moves every value to the newest key and keeps it readable`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await clientTable(store, [1, 2, 3, 4, 5, 6, 7]);
    await store.query('insert into client (id, phone) values (8, null)');
    await store.query('insert into client (id, phone) values (9, $1)', [
      await underK2ReadingK1.encrypt(plaintextOf(9), { ...context, rowId: '9' }),
    ]);
    const [alreadyCurrent] = await store.query<{ phone: Buffer }>('select phone from client where id = 9');
    t.notOk(await decryptsAll(onlyK2, store), 'before rotation k2 alone cannot read the old values');

    const result = await rotateColumn(store, underK2ReadingK1, phoneColumn, { batchSize: 3 });
    t.same(result, { rewrapped: 7, failedRowIds: [] });
    const rows = await phones(store);
    t.same(
      rows.map(({ phone }) => phone && underK2ReadingK1.keyIdOf(phone)),
      ['k2', 'k2', 'k2', 'k2', 'k2', 'k2', 'k2', null, 'k2'],
    );
    t.same(rows.at(-1)!.phone, alreadyCurrent!.phone, 'a value already under k2 is left alone');
    t.ok(await decryptsAll(underK2ReadingK1, store), 'every value still decrypts with both keys configured');
    t.ok(await decryptsAll(onlyK2, store), 'and with k1 removed');
    t.same(await rotateColumn(store, underK2ReadingK1, phoneColumn), { rewrapped: 0, failedRowIds: [] });
  });

  t.test(`${backend}: values that do not decrypt are reported and the rest still rotate`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await clientTable(store, [1, 2, 3, 4, 5, 6]);
    await store.query(`update client set phone = phone || '\\x00'::bytea where id = 3`);
    await store.query('update client set phone = (select phone from client where id = 1) where id = 4');
    const before = await phones(store);

    const result = await rotateColumn(store, underK2ReadingK1, phoneColumn, { batchSize: 2 });
    t.same(result, { rewrapped: 4, failedRowIds: ['3', '4'] });
    const after = await phones(store);
    t.same(after[2], before[2], 'the altered value is untouched');
    t.same(after[3], before[3], 'the copied value is untouched');
    for (const id of [1, 2, 5, 6]) {
      const { phone } = after[id - 1]!;
      t.equal(await onlyK2.decryptText(phone!, { ...context, rowId: String(id) }), plaintextOf(id), `row ${id}`);
    }
    t.same(
      await rotateColumn(store, underK2ReadingK1, phoneColumn, { batchSize: 2 }),
      { rewrapped: 0, failedRowIds: ['3', '4'] },
      'a second run ends too, and reports the same rows',
    );
  });

  t.test(`${backend}: rotation does not overwrite a value written while it runs`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await clientTable(store, ['a', 'b', 'c']);
    const written = await underK2ReadingK1.encrypt('written meanwhile', { ...context, rowId: 'b' });
    let wroteMeanwhile = false;
    const racing: Queryable = {
      async query<T extends Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
        if (sql.startsWith('update') && params?.[1] === 'b' && !wroteMeanwhile) {
          wroteMeanwhile = true;
          await store.query(`update client set phone = $1 where id = 'b'`, [written]);
        }
        return store.query<T>(sql, params);
      },
    };
    t.same(await rotateColumn(racing, underK2ReadingK1, phoneColumn, { batchSize: 2 }), {
      rewrapped: 2,
      failedRowIds: [],
    });
    t.ok(wroteMeanwhile, 'the concurrent write happened');
    const [row] = await store.query<{ phone: Buffer }>(`select phone from client where id = 'b'`);
    t.same(row!.phone, written, 'the value written meanwhile is kept');
    t.same(
      (await phones(store)).map(({ phone }) => underK2ReadingK1.keyIdOf(phone!)),
      ['k2', 'k2', 'k2'],
    );
  });

  t.test(`${backend}: the rotation job rewraps registered columns in the background`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await clientTable(store, [1, 2, 3]);
    await store.query(`update client set phone = phone || '\\x00'::bytea where id = 2`);
    const logged: { level: string; obj: object; msg: string }[] = [];
    const queue = new JobQueue();
    defineKeyRotation(queue, {
      store: () => store,
      envelope: underK2ReadingK1,
      columns: () => [phoneColumn],
      log: {
        info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
        warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
      },
    });
    await queue.start(store, (error) => t.error(error));
    // Teardowns run last-registered first: the queue stops before freshStore closes the store.
    t.teardown(() => queue.stop(5000));

    await requestKeyRotation(queue);
    for (let waited = 0; waited < 10_000 && !logged.some(({ level }) => level === 'warn'); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const fields = { table: 'client', column: 'phone', keyId: 'k2' };
    t.same(logged.find(({ level }) => level === 'info')?.obj, { ...fields, rewrapped: 2, failed: 1 });
    t.same(logged.find(({ level }) => level === 'warn')?.obj, {
      ...fields,
      rewrapped: 2,
      failed: 1,
      failedRowIds: ['2'],
    });
    t.notOk(JSON.stringify(logged).includes('+1555010'), 'no value is logged');
    t.same(
      (await phones(store)).map(({ phone }) => underK2ReadingK1.keyIdOf(phone!)),
      ['k2', 'k1', 'k2'],
    );
    for (const id of [1, 3]) {
      const [row] = await store.query<{ phone: Buffer }>('select phone from client where id = $1', [id]);
      t.equal(await onlyK2.decryptText(row!.phone, { ...context, rowId: String(id) }), plaintextOf(id));
    }
  });
}
