import t from 'tap';
import { Envelope } from '../service/src/crypto/envelope.ts';
import { DecryptionError } from '../service/src/crypto/errors.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { issueApiKey, verifyApiKey } from '../service/src/org/api-keys.ts';
import {
  deleteConnection,
  InvalidConnectionError,
  loadConnection,
  saveConnection,
  validInstanceUrl,
  validLoginHost,
  type ConnectionInput,
} from '../service/src/org/connections.ts';
import { ORG_ID_PATTERN, sameId, toId18, USER_ID_PATTERN } from '../service/src/salesforce/ids.ts';
import { migrate } from '../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';

const ORG_A = toId18('00D5g00000A1b2c', ORG_ID_PATTERN)!;
const ORG_B = toId18('00D5g00000Z9y8x', ORG_ID_PATTERN)!;
const REFRESH_TOKEN = '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJUrd4tdNuKJtcfHzNZ.zRPCE8W1tg3VSz0WY0RY';

function input(orgId: string, overrides: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    orgId,
    instanceUrl: 'https://acme.my.salesforce.com',
    loginHost: 'login.salesforce.com',
    integrationUserId: '005000000000001',
    refreshToken: `${REFRESH_TOKEN}-${orgId}`,
    apiVersion: '62.0',
    ...overrides,
  };
}

function newEnvelope(): Envelope {
  return new Envelope(new ConfiguredKeyProvider([generateMasterKey('k1')]));
}

t.test('ids: 15 and 18 characters, checksum checked', async (t) => {
  t.equal(toId18('001000000000001', /^001[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/), '001000000000001AAA');
  t.equal(toId18('00D5g00000A1b2c', ORG_ID_PATTERN)!.length, 18);
  t.equal(toId18(ORG_A, ORG_ID_PATTERN), ORG_A, 'an 18-character id stays as it is');
  t.equal(toId18(ORG_A.slice(0, 15) + ORG_A.slice(15).toLowerCase(), ORG_ID_PATTERN), ORG_A, 'suffix case-folded');
  t.equal(toId18(ORG_A.slice(0, 15) + 'ZZZ', ORG_ID_PATTERN), undefined, 'a wrong checksum is refused');
  t.equal(toId18('005000000000001', ORG_ID_PATTERN), undefined, 'a user id is not an org id');
  t.ok(USER_ID_PATTERN.test('005000000000001AAA'));
  t.ok(sameId(ORG_A, ORG_A.slice(0, 15)));
  t.notOk(sameId(ORG_A, ORG_B));
});

t.test('instance URLs and login hosts must be Salesforce ones', async (t) => {
  for (const good of [
    'https://acme.my.salesforce.com',
    'https://acme--uat.sandbox.my.salesforce.com/',
    'https://na85.salesforce.com',
    'https://acme.lightning.force.com',
  ]) {
    t.equal(validInstanceUrl(good), new URL(good).origin, good);
  }
  for (const bad of [
    'http://acme.my.salesforce.com',
    'https://acme.my.salesforce.com.evil.example',
    'https://salesforce.com.evil.example',
    'https://evil.example/acme.my.salesforce.com',
    'https://user:pw@acme.my.salesforce.com',
    'https://acme.my.salesforce.com:8443',
    'https://acme.my.salesforce.com/services',
    'http://127.0.0.1:9000',
    'not a url',
  ]) {
    t.throws(() => validInstanceUrl(bad), InvalidConnectionError, bad);
  }
  t.equal(validInstanceUrl('http://127.0.0.1:9000', { allowLocalEmulator: true }), 'http://127.0.0.1:9000');
  t.equal(validInstanceUrl('http://localhost:9000/', { allowLocalEmulator: true }), 'http://localhost:9000');
  t.throws(() => validInstanceUrl('http://10.0.0.1:9000', { allowLocalEmulator: true }), InvalidConnectionError);

  for (const good of [
    'login.salesforce.com',
    'test.salesforce.com',
    'acme.my.salesforce.com',
    'Acme.My.Salesforce.com',
  ]) {
    t.equal(validLoginHost(good), good.toLowerCase(), good);
  }
  for (const bad of ['evil.example', 'login.salesforce.com.evil.example', 'my.salesforce.com', '127.0.0.1:9000']) {
    t.throws(() => validLoginHost(bad), InvalidConnectionError, bad);
  }
  t.equal(validLoginHost('127.0.0.1:9000', { allowLocalEmulator: true }), '127.0.0.1:9000');
});

for (const backend of BACKENDS) {
  t.test(`${backend}: a connection round-trips with its refresh token encrypted`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = newEnvelope();
    t.equal(await saveConnection(store, envelope, input(ORG_A.slice(0, 15))), ORG_A, 'stored under the 18-char id');
    const loaded = await loadConnection(store, envelope, ORG_A);
    t.match(loaded, {
      orgId: ORG_A,
      instanceUrl: 'https://acme.my.salesforce.com',
      loginHost: 'login.salesforce.com',
      integrationUserId: '005000000000001AAA',
      refreshToken: `${REFRESH_TOKEN}-${ORG_A.slice(0, 15)}`,
      apiVersion: '62.0',
      disconnectedAt: null,
      lastSyncAt: null,
    });
    t.type(loaded!.connectedAt, Date);
    t.equal(await loadConnection(store, envelope, ORG_B), undefined, 'an org without a connection');

    const raw = await store.query<{ refresh_token_ciphertext: Buffer }>('select * from org_connection');
    const everything = Buffer.concat(raw.map((row) => Buffer.from(JSON.stringify(row)))).toString('utf8');
    t.notOk(everything.includes(REFRESH_TOKEN.slice(0, 20)), 'no part of the token in the row as text');
    t.equal(raw[0]!.refresh_token_ciphertext.indexOf(Buffer.from(REFRESH_TOKEN.slice(0, 20))), -1, 'nor in its bytes');
    t.equal(envelope.keyIdOf(raw[0]!.refresh_token_ciphertext), 'k1');

    // A reconnect replaces the token and clears disconnected_at.
    await store.query('update org_connection set disconnected_at = now()');
    await saveConnection(store, envelope, input(ORG_A, { refreshToken: 'new-token', apiVersion: '63.0' }));
    t.match(await loadConnection(store, envelope, ORG_A), {
      refreshToken: 'new-token',
      apiVersion: '63.0',
      disconnectedAt: null,
    });
  });

  t.test(`${backend}: a refresh token copied to another org's row does not decrypt`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = newEnvelope();
    await saveConnection(store, envelope, input(ORG_A));
    await saveConnection(store, envelope, input(ORG_B));
    await store.query(
      `update org_connection set refresh_token_ciphertext = case org_id
        when $1 then (select refresh_token_ciphertext from org_connection where org_id = $2)
        else (select refresh_token_ciphertext from org_connection where org_id = $1) end`,
      [ORG_A, ORG_B],
    );
    await t.rejects(loadConnection(store, envelope, ORG_A), DecryptionError);
    await t.rejects(loadConnection(store, envelope, ORG_B), DecryptionError);
  });

  t.test(`${backend}: invalid input is refused before anything is stored`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = newEnvelope();
    const cases: [Partial<ConnectionInput>, keyof ConnectionInput][] = [
      [{ orgId: '001000000000001' }, 'orgId'],
      [{ orgId: `${ORG_A.slice(0, 15)}ZZZ` }, 'orgId'],
      [{ instanceUrl: 'https://evil.example' }, 'instanceUrl'],
      [{ loginHost: 'evil.example' }, 'loginHost'],
      [{ integrationUserId: '00D000000000001' }, 'integrationUserId'],
      [{ refreshToken: '' }, 'refreshToken'],
      [{ apiVersion: 'v62' }, 'apiVersion'],
    ];
    for (const [override, field] of cases) {
      await t.rejects(saveConnection(store, envelope, input(ORG_A, override)), {
        name: 'InvalidConnectionError',
        field,
      });
    }
    t.same(await store.query('select org_id from org_connection'), []);
  });

  t.test(`${backend}: deleting a connection deletes its keys, not other orgs'`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = newEnvelope();
    await saveConnection(store, envelope, input(ORG_A));
    await saveConnection(store, envelope, input(ORG_B));
    const a = await issueApiKey(store, ORG_A);
    await issueApiKey(store, ORG_A);
    const b = await issueApiKey(store, ORG_B);
    t.equal(await deleteConnection(store, ORG_A), true);
    t.equal(await deleteConnection(store, ORG_A), false, 'nothing left the second time');
    t.same(await store.query('select org_id from org_api_key'), [{ org_id: ORG_B }]);
    t.equal(await verifyApiKey(store, a.key), undefined);
    t.ok(await verifyApiKey(store, b.key));
    t.equal(await loadConnection(store, envelope, ORG_A), undefined);
  });

  t.test(`${backend}: deleting a connection deletes everything the service kept for the org`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const envelope = newEnvelope();
    for (const orgId of [ORG_A, ORG_B]) {
      await saveConnection(store, envelope, input(orgId));
      await store.query(
        `insert into org_outbox (org_id, sobject, operation, record_id, record_key, state, next_attempt_at, created_at)
         values ($1, 'Slotwise_Appointment__c', 'update', 'a015g00000AbCdE', 'k', 'pending', now(), now())`,
        [orgId],
      );
      await store.query(
        `insert into org_sync_state (org_id, object, watermark) values ($1, 'Slotwise_Appointment__c', now())`,
        [orgId],
      );
      await store.query(
        `insert into appointment_snapshot (org_id, appointment_id, updated_at) values ($1, 'a015g00000AbCdE', now())`,
        [orgId],
      );
    }
    await deleteConnection(store, ORG_A);
    for (const table of ['org_outbox', 'org_sync_state', 'appointment_snapshot']) {
      t.same(
        await store.query(`select org_id from ${table}`),
        [{ org_id: ORG_B }],
        `${table} keeps only the other org`,
      );
    }
  });
}
