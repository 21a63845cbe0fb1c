import jsforce from 'jsforce';
import t from 'tap';
import { REDIRECT_URI, TestClock, connect, pkcePair, startOrgEmulator } from './helpers/org-emulator.ts';

function oauth2(org: { clientId: string; clientSecret: string; url: string }, secret = org.clientSecret) {
  return new jsforce.OAuth2({
    clientId: org.clientId,
    clientSecret: secret,
    loginUrl: org.url,
    redirectUri: REDIRECT_URI,
  });
}

async function oauthError(promise: PromiseLike<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  return { name: 'resolved', message: '' };
}

t.test('authorization code with PKCE gives tokens that work', async (t) => {
  const org = await startOrgEmulator(t);
  const { verifier, challenge } = pkcePair();
  const code = org.mintAuthorizationCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
  const tokens = await oauth2(org).requestToken(code, { code_verifier: verifier });
  t.equal(tokens.instance_url, org.url);
  t.equal(tokens.id, `${org.url}/id/${org.orgId}/${org.integrationUserId}`);
  t.match(tokens.issued_at, /^\d+$/);
  t.ok(tokens.signature);
  t.ok(tokens.refresh_token);
  const conn = connect(org, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  const result = await conn.query('SELECT Id FROM Slotwise_Booking_Page__c');
  t.equal(result.totalSize, 0);
});

t.test('a wrong verifier, a replayed code or an expired code is invalid_grant', async (t) => {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const { verifier, challenge } = pkcePair();

  const wrong = org.mintAuthorizationCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
  t.equal(
    (await oauthError(oauth2(org).requestToken(wrong, { code_verifier: pkcePair().verifier }))).name,
    'invalid_grant',
  );

  const once = org.mintAuthorizationCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
  await oauth2(org).requestToken(once, { code_verifier: verifier });
  t.equal((await oauthError(oauth2(org).requestToken(once, { code_verifier: verifier }))).name, 'invalid_grant');

  const late = org.mintAuthorizationCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
  clock.advance(16 * 60_000);
  const expired = await oauthError(oauth2(org).requestToken(late, { code_verifier: verifier }));
  t.same(expired, { name: 'invalid_grant', message: 'expired authorization code' });
});

t.test('the client secret and redirect URI are checked', async (t) => {
  const org = await startOrgEmulator(t);
  const { verifier, challenge } = pkcePair();
  const code = org.mintAuthorizationCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
  t.equal(
    (await oauthError(oauth2(org, 'not-the-secret').requestToken(code, { code_verifier: verifier }))).name,
    'invalid_client',
  );
  const other = org.mintAuthorizationCode({ redirectUri: 'https://elsewhere.test/cb', codeChallenge: challenge });
  t.equal(
    (await oauthError(oauth2(org).requestToken(other, { code_verifier: verifier }))).name,
    'redirect_uri_mismatch',
  );
});

t.test('refresh gives a new access token; after revoke it fails and old access tokens die', async (t) => {
  const org = await startOrgEmulator(t);
  const session = org.issueSession();
  const refreshed = await oauth2(org).refreshToken(session.refreshToken!);
  t.not(refreshed.access_token, session.accessToken);
  t.equal(refreshed.instance_url, org.url);

  await oauth2(org).revokeToken(session.refreshToken!);
  t.equal((await oauthError(oauth2(org).refreshToken(session.refreshToken!))).name, 'invalid_grant');
  const conn = new jsforce.Connection({ instanceUrl: org.url, accessToken: refreshed.access_token, version: '65.0' });
  const failure = await oauthError(conn.query('SELECT Id FROM Contact'));
  t.equal(failure.name, 'INVALID_SESSION_ID');
});

t.test('an expired access token is refreshed by jsforce and the call succeeds', async (t) => {
  const org = await startOrgEmulator(t);
  const session = org.issueSession();
  const conn = connect(org, session);
  const refreshes: string[] = [];
  conn.on('refresh', (accessToken: string) => refreshes.push(accessToken));
  org.expireAccessToken(session.accessToken);
  const result = await conn.query('SELECT Id FROM Contact');
  t.equal(result.totalSize, 0);
  t.equal(refreshes.length, 1);
  t.equal(conn.accessToken, refreshes[0]);
  t.not(conn.accessToken, session.accessToken);
});
