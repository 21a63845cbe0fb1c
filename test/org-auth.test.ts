import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { Type } from '@sinclair/typebox';
import { generateApiKey, issueApiKey, revokeApiKeys } from '../service/src/org/api-keys.ts';
import { deleteConnection, saveConnection } from '../service/src/org/connections.ts';
import { ORG_ID_PATTERN, toId18 } from '../service/src/salesforce/ids.ts';
import { ORG_ROUTE, orgAuth, orgOf } from '../service/src/plugins/org-auth.ts';
import { buildTestApp } from './helpers/app.ts';
import { BACKENDS, freshStoreConfig, type Backend } from './helpers/backends.ts';

const ORG_A = toId18('00D5g00000A1b2c', ORG_ID_PATTERN)!;
const ORG_B = toId18('00D5g00000Z9y8x', ORG_ID_PATTERN)!;
const USER = '005000000000001AAA';

/** A ready app on `backend` with ORG_A and ORG_B connected, and a test route that names an org. */
async function orgApp(t: Test, backend: Backend, env: Record<string, string> = {}) {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const { app, logs } = await buildTestApp(t, {
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    ...env,
  });
  await app.register(
    async (v1: FastifyInstance) => {
      await orgAuth(v1, { perMinute: 1000 });
      v1.get('/orgs/:orgId/ping', ORG_ROUTE, async (request) => ({ org: orgOf(request) }));
      v1.post(
        '/things',
        { ...ORG_ROUTE, schema: { body: Type.Object({ orgId: Type.Optional(Type.String()) }) } },
        async (request) => ({ org: orgOf(request) }),
      );
    },
    { prefix: '/v1/test' },
  );
  await app.ready();
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  for (const orgId of [ORG_A, ORG_B]) {
    await saveConnection(store, app.envelope, {
      orgId,
      instanceUrl: 'https://acme.my.salesforce.com',
      loginHost: 'login.salesforce.com',
      integrationUserId: USER,
      refreshToken: `refresh-${orgId}`,
      apiVersion: '62.0',
    });
  }
  return { app, logs, store };
}

function headers(key: string | undefined, userId: string | null = USER): Record<string, string> {
  return {
    ...(key === undefined ? {} : { 'x-slotwise-api-key': key }),
    ...(userId === null ? {} : { 'x-slotwise-user-id': userId }),
  };
}

for (const backend of BACKENDS) {
  t.test(`${backend}: GET /v1/org/status answers the key's org, per docs/org-api.yaml`, async (t) => {
    const setup = await orgApp(t, backend);
    if (!setup) return;
    const { app, store } = setup;
    const { key } = await issueApiKey(store, ORG_A);
    const response = await app.inject({ url: '/v1/org/status', headers: headers(key) });
    t.equal(response.statusCode, 200);
    const body = response.json();
    t.same(Object.keys(body).sort(), [
      'apiCallsLimit',
      'apiCallsUsed',
      'connectedAt',
      'lastSync',
      'orgId',
      'outbox',
      'outboxDepth',
      'sandbox',
    ]);
    t.match(body, {
      orgId: ORG_A,
      sandbox: true,
      lastSync: null,
      outboxDepth: 0,
      outbox: { pending: 0, rejected: 0, oldestPendingAt: null, lastRejected: [] },
      apiCallsUsed: 0,
      apiCallsLimit: null,
    });
    t.ok(Date.now() - Date.parse(body.connectedAt) < 60_000, 'connectedAt is an ISO date-time');

    const other = await issueApiKey(store, ORG_B);
    t.equal((await app.inject({ url: '/v1/org/status', headers: headers(other.key) })).json().orgId, ORG_B);
  });
}

for (const backend of BACKENDS) {
  t.test(`${backend}: GET /v1/org/status reports pending and rejected writes, without the error text`, async (t) => {
    const setup = await orgApp(t, backend);
    if (!setup) return;
    const { app, store } = setup;
    const { key } = await issueApiKey(store, ORG_A);
    const queued = new Date('2025-03-01T10:00:00.000Z');
    const refused = new Date('2025-03-01T10:05:00.000Z');
    const insert = (orgId: string, sobject: string, state: string, code: string | null, error: string | null) =>
      store.query(
        `insert into org_outbox (org_id, sobject, operation, record_id, record_key, state, next_attempt_at,
           last_error_code, last_error, last_attempt_at, created_at)
         values ($1, $2, 'update', 'a00000000000001AAA', $2 || ':a00000000000001AAA', $3, $4, $5, $6, $7, $4)
         returning id`,
        [orgId, sobject, state, queued, code, error, code ? refused : null],
      );
    await insert(ORG_A, 'Slotwise_SMS_Message__c', 'pending', null, null);
    const [rejected] = await insert(
      ORG_A,
      'Slotwise_Appointment__c',
      'rejected',
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      'Ann Smith: End must be after start.',
    );
    await insert(ORG_A, 'Slotwise_Appointment__c', 'delivered', null, null);
    await insert(ORG_B, 'Slotwise_Appointment__c', 'rejected', 'REQUIRED_FIELD_MISSING', 'Required fields are missing');

    const response = await app.inject({ url: '/v1/org/status', headers: headers(key) });
    t.equal(response.statusCode, 200);
    const body = response.json();
    t.equal(body.outboxDepth, 1, 'outboxDepth is the pending count');
    t.same(body.outbox, {
      pending: 1,
      rejected: 1,
      oldestPendingAt: queued.toISOString(),
      lastRejected: [
        {
          id: rejected!.id,
          sobject: 'Slotwise_Appointment__c',
          errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          at: refused.toISOString(),
        },
      ],
    });
    t.notMatch(response.body, /End must be after start|Ann Smith|Required fields/, 'no error text, no other org');
  });
}

t.test('missing, malformed, unknown, revoked and expired keys get 401 problem+json', async (t) => {
  const { app, store } = (await orgApp(t, 'pglite'))!;
  const missing = await app.inject({ url: '/v1/org/status', headers: headers(undefined) });
  t.equal(missing.statusCode, 401);
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(missing.json(), { status: 401, code: 'api_key_missing', type: 'about:blank' });
  t.match(missing.headers['www-authenticate'], /^ApiKey /);

  const checkInvalid = async (key: string, label: string) => {
    const response = await app.inject({ url: '/v1/org/status', headers: headers(key) });
    t.equal(response.statusCode, 401, label);
    t.equal(response.json().code, 'api_key_invalid', label);
    t.match(response.headers['www-authenticate'], /^ApiKey /, label);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', label);
  };
  await checkInvalid('not-a-key', 'malformed');
  await checkInvalid(generateApiKey(), 'unknown');

  const first = await issueApiKey(store, ORG_A, { now: new Date(Date.now() - 2 * 3600_000) });
  await issueApiKey(store, ORG_A, { now: new Date(Date.now() - 2 * 3600_000), graceSeconds: 3600 });
  await checkInvalid(first.key, 'expired after its grace period');

  const revoked = await issueApiKey(store, ORG_B);
  t.equal((await app.inject({ url: '/v1/org/status', headers: headers(revoked.key) })).statusCode, 200);
  await revokeApiKeys(store, ORG_B);
  await checkInvalid(revoked.key, 'revoked');

  const deleted = await issueApiKey(store, ORG_A);
  await deleteConnection(store, ORG_A);
  await checkInvalid(deleted.key, 'its org was deleted');

  const twice = await app.inject({
    url: '/v1/org/status',
    headers: { 'x-slotwise-api-key': [revoked.key, revoked.key], 'x-slotwise-user-id': USER },
  });
  t.equal(twice.statusCode, 401, 'a repeated header is not a key');
});

t.test('X-Slotwise-User-Id must be a Salesforce user id', async (t) => {
  const { app, store } = (await orgApp(t, 'pglite'))!;
  const { key } = await issueApiKey(store, ORG_A);
  for (const userId of [null, '', '00D000000000001', '005', '005000000000001AAAA', "005000000000001' or 1=1"]) {
    const response = await app.inject({ url: '/v1/org/status', headers: headers(key, userId) });
    t.equal(response.statusCode, 400, `user id ${JSON.stringify(userId)}`);
    t.equal(response.json().code, 'user_id_invalid');
  }
  for (const userId of ['005000000000001', USER]) {
    const response = await app.inject({ url: '/v1/test/orgs/' + ORG_A + '/ping', headers: headers(key, userId) });
    t.equal(response.statusCode, 200);
    t.same(response.json().org, {
      orgId: ORG_A,
      keyId: (await store.query('select max(id) as id from org_api_key'))[0]!.id,
      userId,
    });
  }
});

t.test("a request naming another org than the key's gets 403 wrong_org", async (t) => {
  const { app, store } = (await orgApp(t, 'pglite'))!;
  const { key } = await issueApiKey(store, ORG_A);
  const ping = (orgId: string) => app.inject({ url: `/v1/test/orgs/${orgId}/ping`, headers: headers(key) });
  t.equal((await ping(ORG_A)).statusCode, 200);
  t.equal((await ping(ORG_A.slice(0, 15))).statusCode, 200, 'the 15-character form is the same org');
  for (const other of [ORG_B, ORG_B.slice(0, 15), 'anything']) {
    const response = await ping(other);
    t.equal(response.statusCode, 403, other);
    t.equal(response.json().code, 'wrong_org');
  }
  const post = (payload: object, query = '') =>
    app.inject({ method: 'POST', url: `/v1/test/things${query}`, headers: headers(key), payload });
  t.equal((await post({})).statusCode, 200);
  t.equal((await post({ orgId: ORG_A })).statusCode, 200);
  t.equal((await post({ orgId: ORG_B })).json().code, 'wrong_org', 'in the body');
  t.equal((await post({}, `?orgId=${ORG_B}`)).json().code, 'wrong_org', 'in the query');
});

t.test('/v1 is rate-limited per org, and unauthenticated requests per address', async (t) => {
  const { app, store } = (await orgApp(t, 'pglite', { RATE_LIMIT_PER_MINUTE: '3' }))!;
  const a = await issueApiKey(store, ORG_A);
  const b = await issueApiKey(store, ORG_B);
  const status = async (key: string) => (await app.inject({ url: '/v1/org/status', headers: headers(key) })).statusCode;
  const forA = [];
  for (let i = 0; i < 5; i++) forA.push(await status(a.key));
  t.same(forA, [200, 200, 200, 429, 429], "org A's own budget");
  t.equal(await status(b.key), 200, 'org B, from the same address, is not held back by org A');
  const limited = await app.inject({ url: '/v1/org/status', headers: headers(a.key) });
  t.equal(limited.json().code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) > 0);

  const bad = [];
  for (let i = 0; i < 5; i++) bad.push(await status(generateApiKey()));
  t.same(bad, [401, 401, 401, 429, 429], 'a flood of bad keys is limited by address');
  t.equal(await status(b.key), 200, 'which does not touch the orgs');
});

t.test('a route inside the org API must use the per-org rate limit', async (t) => {
  const { app } = await buildTestApp(t);
  await t.rejects(async () => {
    await app.register(async (v1: FastifyInstance) => {
      await orgAuth(v1, { perMinute: 10 });
      v1.get('/forgot', async () => 'x');
    });
    await app.ready();
  }, /must spread ORG_ROUTE/);
});

t.test('the API key never reaches the logs', async (t) => {
  const { app, store, logs } = (await orgApp(t, 'pglite'))!;
  const { key } = await issueApiKey(store, ORG_A);
  const unknown = generateApiKey();
  const revoked = await issueApiKey(store, ORG_B);
  await revokeApiKeys(store, ORG_B);
  const requests = [
    { url: '/v1/org/status', headers: headers(key) },
    { url: '/v1/org/status', headers: headers(unknown) },
    { url: '/v1/org/status', headers: headers(revoked.key) },
    { url: '/v1/org/status', headers: headers(key, 'bad') },
    { url: `/v1/test/orgs/${ORG_B}/ping`, headers: headers(key) },
    { url: `/v1/org/status?api_key=${key}`, headers: headers(key) },
    { url: '/v1/nowhere', headers: headers(key) },
  ];
  for (const request of requests) await app.inject(request);
  // What a careless feature might do: log the request's headers.
  app.log.info({ headers: { 'x-slotwise-api-key': key } }, 'careless');
  await app.close();
  const everything = logs.join('');
  t.ok(logs.filter((line) => line.includes('"msg":"request"')).length >= requests.length, 'the requests were logged');
  for (const secret of [key, unknown, revoked.key]) {
    t.notOk(everything.includes(secret.slice(4)), 'no key, nor its random part');
    t.notOk(everything.includes(secret.slice(12, 30)), 'nor a piece of it');
  }
});

t.test('the refresh token column is registered for key rotation', async (t) => {
  const { app } = await buildTestApp(t);
  t.same(
    app.encryptedColumns.filter((column) => column.table === 'org_connection'),
    [{ table: 'org_connection', column: 'refresh_token_ciphertext', idColumn: 'org_id' }],
  );
});
