import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../service/src/app.ts';
import { loadConfig } from '../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../service/src/crypto/key-provider.ts';
import { createLogger } from '../service/src/logger.ts';
import { listApiKeys } from '../service/src/org/api-keys.ts';
import { loadConnection } from '../service/src/org/connections.ts';
import type { OrgEmulator } from '../service/src/salesforce/emulator/server.ts';
import { ORG_ID_PATTERN, toId18 } from '../service/src/salesforce/ids.ts';
import { oauth2For } from '../service/src/salesforce/connect/oauth-client.ts';
import { SalesforceError } from '../service/src/salesforce/org-api.ts';
import { tempDataDir } from './helpers/backends.ts';
import { startOrgEmulator } from './helpers/org-emulator.ts';

const USER = '005000000000001AAA';

/** A ready sandbox app whose connected app is the emulator's, with every login host sent to it. */
async function connectApp(t: Test) {
  const org = await startOrgEmulator(t);
  const config = loadConfig({ DATA_DIR: tempDataDir(t), LOG_LEVEL: 'debug', PUBLIC_URL: 'https://slotwise.test' });
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
  const app = await buildApp(config, {
    logger,
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { loginUrlOverride: org.url, clientId: org.clientId, clientSecret: org.clientSecret },
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  return { app, org, logs };
}

/** GET /connect, then what the login page would do: a code for the redirect's challenge. */
async function signIn(app: FastifyInstance, org: OrgEmulator, query = 'loginHost=login.salesforce.com') {
  const start = await app.inject({ method: 'GET', url: `/connect?${query}` });
  const location = new URL(start.headers.location as string);
  const params = location.searchParams;
  const code = org.mintAuthorizationCode({
    redirectUri: params.get('redirect_uri')!,
    codeChallenge: params.get('code_challenge')!,
  });
  return { start, location, params, code, state: params.get('state')! };
}

function keyOf(html: string): string {
  return /value="(swk_[A-Za-z0-9_-]{43})"/.exec(html)?.[1] ?? '';
}

t.test('connect end to end: redirect with PKCE, callback stores the connection and shows the key once', async (t) => {
  const { app, org, logs } = await connectApp(t);
  const { start, location, params, code, state } = await signIn(app, org);
  t.equal(start.statusCode, 302);
  t.equal(start.headers['cache-control'], 'no-store');
  t.equal(`${location.origin}${location.pathname}`, `${org.url}/services/oauth2/authorize`);
  t.equal(params.get('response_type'), 'code');
  t.equal(params.get('client_id'), org.clientId);
  t.equal(params.get('redirect_uri'), 'https://slotwise.test/connect/callback');
  t.equal(params.get('code_challenge_method'), 'S256');
  t.match(params.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  t.match(state, /^[A-Za-z0-9_-]{43}$/);
  t.equal(params.get('scope'), 'api refresh_token');
  t.match(start.headers.location, /scope=api%20refresh_token/);

  const callback = await app.inject({ method: 'GET', url: `/connect/callback?code=${code}&state=${state}` });
  t.equal(callback.statusCode, 200);
  t.equal(callback.headers['cache-control'], 'no-store');
  t.match(callback.headers['content-type'], /^text\/html/);
  t.match(callback.headers['content-security-policy'], /script-src 'self'/);
  t.notMatch(callback.body, /<script|style=/);
  const key = keyOf(callback.body);
  t.ok(key, 'the key is on the page');
  t.match(callback.body, /OrgApiKey/);
  t.notOk(
    logs.some((line) => line.includes(key)),
    'the key is never logged',
  );

  const store = app.storeConnection.store;
  const [row] = await store.query<{ refresh_token_ciphertext: Buffer; instance_url: string; login_host: string }>(
    'select * from org_connection where org_id = $1',
    [org.orgId],
  );
  t.equal(row!.instance_url, org.url);
  t.equal(row!.login_host, 'login.salesforce.com');
  const stored = await loadConnection(store, app.envelope, org.orgId);
  t.match(stored!.refreshToken, /^5Aep/);
  t.notOk(row!.refresh_token_ciphertext.toString('latin1').includes(stored!.refreshToken), 'encrypted at rest');
  t.equal(stored!.integrationUserId.slice(0, 15), org.integrationUserId.slice(0, 15));
  t.equal(stored!.apiVersion, '65.0');
  t.same(await store.query('select * from oauth_state'), [], 'the state is spent');

  const status = await app.inject({
    method: 'GET',
    url: '/v1/org/status',
    headers: { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER },
  });
  t.equal(status.statusCode, 200);
  t.equal(status.json().orgId, org.orgId);

  // The stored refresh token works through the gateway (login host stands in for the emulator).
  const rows = await app.orgApi.query(org.orgId, 'SELECT Id FROM User');
  t.ok(rows.length > 0);
  const after = await app.inject({
    method: 'GET',
    url: '/v1/org/status',
    headers: { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER },
  });
  // Sync starts on connect, so the count may already include its calls.
  t.ok(after.json().apiCallsUsed >= 1 && after.json().apiCallsUsed <= org.apiUsage.used, 'API usage is reported');
  t.equal(after.json().apiCallsLimit, 15_000);

  const replay = await app.inject({ method: 'GET', url: `/connect/callback?code=${code}&state=${state}` });
  t.equal(replay.statusCode, 400);
  t.match(replay.body, /not valid or was already used/);
  t.equal(keyOf(replay.body), '', 'no key on a replay');
});

t.test('forged, expired and incomplete callbacks, a wrong verifier, a bad login host: a clear 400', async (t) => {
  const { app, org } = await connectApp(t);
  const forged = await app.inject({ method: 'GET', url: '/connect/callback?code=abc&state=forged-state' });
  t.equal(forged.statusCode, 400);
  t.match(forged.body, /not valid or was already used/);
  t.equal(forged.headers['cache-control'], 'no-store');

  const missing = await app.inject({ method: 'GET', url: '/connect/callback?state=x' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /incomplete/);

  // A code minted for another challenge: the verifier the service holds does not match it.
  const { state } = await signIn(app, org);
  const otherCode = org.mintAuthorizationCode({
    redirectUri: 'https://slotwise.test/connect/callback',
    codeChallenge: 'A'.repeat(43),
  });
  const wrongVerifier = await app.inject({ method: 'GET', url: `/connect/callback?code=${otherCode}&state=${state}` });
  t.equal(wrongVerifier.statusCode, 400);
  t.match(wrongVerifier.body, /refused the sign-in code/);
  t.same(await app.storeConnection.store.query('select * from org_connection'), []);

  const old = await signIn(app, org);
  await app.storeConnection.store.query(`update oauth_state set created_at = now() - interval '11 minutes'`);
  const expired = await app.inject({ method: 'GET', url: `/connect/callback?code=${old.code}&state=${old.state}` });
  t.equal(expired.statusCode, 400);
  t.match(expired.body, /longer than 10 minutes/);

  const denied = await signIn(app, org);
  const declined = await app.inject({
    method: 'GET',
    url: `/connect/callback?error=access_denied&error_description=end-user+denied&state=${denied.state}`,
  });
  t.equal(declined.statusCode, 400);
  t.match(declined.body, /did not grant access \(access_denied\)/);
  const afterDecline = await app.inject({
    method: 'GET',
    url: `/connect/callback?code=${denied.code}&state=${denied.state}`,
  });
  t.equal(afterDecline.statusCode, 400, 'a declined state cannot be used afterwards');

  for (const host of ['evil.example.com', 'login.salesforce.com.evil.com', 'https://login.salesforce.com']) {
    const bad = await app.inject({ method: 'GET', url: `/connect?loginHost=${encodeURIComponent(host)}` });
    t.equal(bad.statusCode, 400, host);
    t.match(bad.body, /login host must be/);
  }
  const mydomain = await app.inject({ method: 'GET', url: '/connect?loginHost=acme.my.salesforce.com' });
  t.equal(mydomain.statusCode, 302);
});

t.test('a reconnect for one org refuses a sign-in to another', async (t) => {
  const { app, org } = await connectApp(t);
  const { code, state } = await signIn(
    app,
    org,
    `loginHost=test.salesforce.com&orgId=${toId18('00D000000000001', ORG_ID_PATTERN)}`,
  );
  const mismatch = await app.inject({ method: 'GET', url: `/connect/callback?code=${code}&state=${state}` });
  t.equal(mismatch.statusCode, 400);
  t.match(mismatch.body, /different org/);
  t.same(await app.storeConnection.store.query('select * from org_connection'), []);

  const again = await signIn(app, org, `loginHost=test.salesforce.com&orgId=${org.orgId.slice(0, 15)}`);
  const ok = await app.inject({ method: 'GET', url: `/connect/callback?code=${again.code}&state=${again.state}` });
  t.equal(ok.statusCode, 200);
});

t.test('disconnect revokes the token at Salesforce and deletes the connection and keys', async (t) => {
  const { app, org } = await connectApp(t);
  const { code, state } = await signIn(app, org);
  const key = keyOf((await app.inject({ method: 'GET', url: `/connect/callback?code=${code}&state=${state}` })).body);
  const store = app.storeConnection.store;
  const refreshToken = (await loadConnection(store, app.envelope, org.orgId))!.refreshToken;
  await app.orgApi.query(org.orgId, 'SELECT Id FROM User');

  const disconnect = await app.inject({
    method: 'POST',
    url: '/v1/org/disconnect',
    headers: { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER },
  });
  t.equal(disconnect.statusCode, 200);
  t.same(disconnect.json(), { orgId: org.orgId, tokenRevoked: true });

  const oauth2 = oauth2For('login.salesforce.com', {
    clientId: org.clientId,
    clientSecret: org.clientSecret,
    redirectUri: 'https://slotwise.test/connect/callback',
    loginUrlOverride: org.url,
  });
  await t.rejects(oauth2.refreshToken(refreshToken), { name: 'invalid_grant' }, 'revoked at the org');
  t.same(await store.query('select * from org_connection'), []);
  t.same(await listApiKeys(store, org.orgId), []);
  const status = await app.inject({
    method: 'GET',
    url: '/v1/org/status',
    headers: { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER },
  });
  t.equal(status.statusCode, 401, 'the key is gone');
  await t.rejects(app.orgApi.query(org.orgId, 'SELECT Id FROM User'), SalesforceError);
});

t.test('disconnect goes on when Salesforce cannot revoke', async (t) => {
  const { app, org, logs } = await connectApp(t);
  const { code, state } = await signIn(app, org);
  const key = keyOf((await app.inject({ method: 'GET', url: `/connect/callback?code=${code}&state=${state}` })).body);
  await org.close();
  const disconnect = await app.inject({
    method: 'POST',
    url: '/v1/org/disconnect',
    headers: { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER },
  });
  t.equal(disconnect.statusCode, 200);
  t.same(disconnect.json(), { orgId: org.orgId, tokenRevoked: false });
  t.ok(logs.some((line) => line.includes('could not revoke the refresh token')));
  t.same(await app.storeConnection.store.query('select * from org_connection'), []);
});

t.test('without a connected app, /connect says so', async (t) => {
  const config = loadConfig({ DATA_DIR: tempDataDir(t), LOG_LEVEL: 'silent' });
  const app = await buildApp(config, {
    logger: createLogger('silent'),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
  });
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/connect?loginHost=login.salesforce.com' });
  t.equal(response.statusCode, 503);
  t.match(response.body, /SALESFORCE_CLIENT_ID/);
});
