import jsforce from 'jsforce';
import t from 'tap';
import type { OrgEmulator } from '../service/src/salesforce/emulator/server.ts';
import { REDIRECT_URI, pkcePair, startOrgEmulator } from './helpers/org-emulator.ts';

function authorizeParams(org: OrgEmulator, overrides: Record<string, string | null> = {}) {
  const { verifier, challenge } = pkcePair();
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: org.clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    scope: 'api refresh_token',
    ...overrides,
  };
  const search = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  return { verifier, challenge, search };
}

const getPage = (org: OrgEmulator, search: URLSearchParams) =>
  fetch(`${org.url}/services/oauth2/authorize?${search}`, { redirect: 'manual' });

/** The consent page's form, as a browser would submit it. */
function formOf(html: string): { action: string; fields: URLSearchParams; button: string } {
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? '';
  const fields = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(
      name!,
      value!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
  }
  const button = /<button type="submit">([^<]*)<\/button>/.exec(html)?.[1] ?? '';
  return { action, fields, button };
}

t.test(
  'the authorize page: one Allow button, its POST redirects with a code that exchanges with the verifier',
  async (t) => {
    const org = await startOrgEmulator(t);
    const { verifier, search } = authorizeParams(org);
    const page = await getPage(org, search);
    t.equal(page.status, 200);
    t.match(page.headers.get('content-type'), /^text\/html/);
    t.equal(page.headers.get('cache-control'), 'no-store');
    t.equal(page.headers.get('x-frame-options'), 'DENY');
    t.match(
      page.headers.get('content-security-policy'),
      /default-src 'none'; form-action 'self' https:\/\/slotwise\.test;/,
    );
    const html = await page.text();
    t.notMatch(html, /<script|style=|\son[a-z]+=/i, 'no script or inline style');
    const form = formOf(html);
    t.equal(form.action, '/services/oauth2/authorize');
    t.equal(form.button, 'Allow access as Slotwise Integration (sandbox org)');
    t.equal((html.match(/<button/g) ?? []).length, 1, 'one button');
    t.same(form.fields.get('state'), 'state-123');

    const allow = await fetch(new URL(form.action, org.url), { method: 'POST', body: form.fields, redirect: 'manual' });
    t.equal(allow.status, 302);
    const location = new URL(allow.headers.get('location')!);
    t.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    t.equal(location.searchParams.get('state'), 'state-123');
    const code = location.searchParams.get('code')!;
    t.match(code, /^aPrx/);

    const oauth2 = new jsforce.OAuth2({
      clientId: org.clientId,
      clientSecret: org.clientSecret,
      loginUrl: org.url,
      redirectUri: REDIRECT_URI,
    });
    const tokens = await oauth2.requestToken(code, { code_verifier: verifier });
    t.equal(tokens.id, `${org.url}/id/${org.orgId}/${org.integrationUserId}`);
    t.ok(tokens.refresh_token);
    await t.rejects(
      oauth2.requestToken(code, { code_verifier: verifier }),
      { name: 'invalid_grant' },
      'a code works once',
    );
  },
);

t.test('the POST checks everything again: a form cannot be edited into a code for another client or URL', async (t) => {
  const org = await startOrgEmulator(t);
  const { search } = authorizeParams(org, { client_id: 'someone-else' });
  const post = await fetch(`${org.url}/services/oauth2/authorize`, {
    method: 'POST',
    body: search,
    redirect: 'manual',
  });
  t.equal(post.status, 400);
  t.match(await post.text(), /invalid_client_id/);
});

t.test(
  'an unknown client or a callback that is not https or localhost gets an error page, not a redirect',
  async (t) => {
    const org = await startOrgEmulator(t);
    const cases: [string, Record<string, string | null>, RegExp][] = [
      ['unknown client', { client_id: 'unknown' }, /error=invalid_client_id/],
      ['no client', { client_id: null }, /error=invalid_client_id/],
      ['plain http elsewhere', { redirect_uri: 'http://attacker.example/cb' }, /error=redirect_uri_mismatch/],
      ['not a URL', { redirect_uri: 'slotwise' }, /error=redirect_uri_mismatch/],
      ['javascript:', { redirect_uri: 'javascript:alert(1)' }, /error=redirect_uri_mismatch/],
      ['no redirect', { redirect_uri: null }, /error=redirect_uri_mismatch/],
    ];
    for (const [name, overrides, expected] of cases) {
      const response = await getPage(org, authorizeParams(org, overrides).search);
      t.equal(response.status, 400, name);
      t.equal(response.headers.get('location'), null, `${name}: no redirect`);
      t.match(await response.text(), expected, name);
    }
    const local = await getPage(
      org,
      authorizeParams(org, { redirect_uri: 'http://localhost:8443/connect/callback' }).search,
    );
    t.equal(local.status, 200, 'http://localhost is allowed, as Salesforce allows it');
  },
);

t.test('a bad PKCE or response type goes back to the callback with error and state', async (t) => {
  const org = await startOrgEmulator(t);
  const cases: [string, Record<string, string | null>, string][] = [
    ['token flow', { response_type: 'token' }, 'unsupported_response_type'],
    ['no challenge', { code_challenge: null }, 'invalid_request'],
    ['plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['short challenge', { code_challenge: 'abc' }, 'invalid_request'],
  ];
  for (const [name, overrides, error] of cases) {
    const response = await getPage(org, authorizeParams(org, overrides).search);
    t.equal(response.status, 302, name);
    const location = new URL(response.headers.get('location')!);
    t.equal(location.searchParams.get('error'), error, name);
    t.equal(location.searchParams.get('state'), 'state-123', name);
    t.equal(location.searchParams.get('code'), null, name);
  }
});

t.test('with registered callback URLs only those receive codes; markup in parameters is escaped', async (t) => {
  const org = await startOrgEmulator(t, { callbackUrls: [REDIRECT_URI] });
  const other = await getPage(
    org,
    authorizeParams(org, { redirect_uri: 'https://other.example/connect/callback' }).search,
  );
  t.equal(other.status, 400);
  t.match(await other.text(), /redirect_uri_mismatch/);

  const page = await getPage(org, authorizeParams(org, { state: '"><script>alert(1)</script>' }).search);
  t.equal(page.status, 200);
  const html = await page.text();
  t.notMatch(html, /<script/);
  t.equal(formOf(html).fields.get('state'), '"><script>alert(1)</script>', 'the state survives the round trip');

  const put = await fetch(`${org.url}/services/oauth2/authorize`, { method: 'PUT', redirect: 'manual' });
  t.equal(put.status, 405);
});
