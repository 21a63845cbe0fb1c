import { request as httpsRequest } from 'node:https';
import t from 'tap';
import { openStore } from '../service/src/store/open.ts';
import { tempDataDir } from './helpers/backends.ts';
import { httpsGet, startServer, waitFor, type HttpsResponse } from './helpers/process.ts';

const USER = '005000000000001AAA';
const EMULATOR_ORG_ID = '00D5g00000EmuLAEAZ';
/** Opening and migrating the embedded store can take a while on a busy machine. */
const STARTUP_MS = 120_000;

/** A request to the service (https://localhost:<port>, self-signed) as a browser would send it. */
function service(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpsResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        servername: target.hostname,
        rejectUnauthorized: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

t.test('sandbox: connect the demo org end to end with no browser, see its data sync, stop cleanly', async (t) => {
  const dataDir = tempDataDir(t);
  const server = await startServer(t, { DATA_DIR: dataDir });
  const connectUrl = await waitFor('the connect URL', async () => {
    const match = /Connect the demo org: (https:\/\/localhost:\d+\/connect\?loginHost=[^\s"]+)/.exec(server.output());
    return match?.[1];
  });
  t.match(connectUrl, `https://localhost:${server.port}/connect?loginHost=127.0.0.1:`, 'the emulator as login host');
  await waitFor(
    'ready',
    async () => ((await httpsGet(server.port, '/readyz')).status === 200 ? true : undefined),
    STARTUP_MS,
  );
  const smsPage = /Watch the SMS the demo sends: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.output())?.[1];
  t.ok(smsPage, 'the Twilio stand-in page is printed');
  const messagesPage = await fetch(smsPage!);
  t.equal(messagesPage.status, 200);
  t.match(await messagesPage.text(), /<html/i, 'it lists the messages sent');

  // 1. The Connect button: to the emulator's authorize page, with PKCE and state.
  const start = await service(connectUrl);
  t.equal(start.status, 302);
  const authorizeUrl = new URL(start.headers.location as string);
  t.match(authorizeUrl.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(authorizeUrl.host, new URL(connectUrl).searchParams.get('loginHost'));
  t.equal(authorizeUrl.pathname, '/services/oauth2/authorize');
  t.equal(authorizeUrl.searchParams.get('redirect_uri'), `https://localhost:${server.port}/connect/callback`);
  t.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256');

  // 2. The login host's page, and its one button.
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  t.equal(page.status, 200);
  const html = await page.text();
  t.notMatch(html, /<script/i);
  t.match(html, 'Allow access as Slotwise Integration (sandbox org)');
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  t.ok(action, 'a form');
  const fields = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(name!, decodeHtml(value!));
  }
  const allow = await fetch(new URL(action!, authorizeUrl), { method: 'POST', body: fields, redirect: 'manual' });
  t.equal(allow.status, 302);
  const callbackUrl = new URL(allow.headers.get('location')!);
  t.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, `https://localhost:${server.port}/connect/callback`);
  t.equal(callbackUrl.searchParams.get('state'), authorizeUrl.searchParams.get('state'));

  // 3. Back at the service: the key, shown once.
  const callback = await service(callbackUrl.toString());
  t.equal(callback.status, 200, 'the callback page');
  t.match(callback.body, EMULATOR_ORG_ID);
  const key = /value="(swk_[A-Za-z0-9_-]{43})"/.exec(callback.body)?.[1];
  t.ok(key, 'the API key is on the page');
  const replay = await service(callbackUrl.toString());
  t.equal(replay.status, 400, 'the callback works once');
  t.notMatch(replay.body, /swk_/);
  t.notMatch(server.output(), key!, 'the key is never logged');

  // 4. The org API with that key, as the Named Credential would call it.
  const headers = { 'x-slotwise-api-key': key!, 'x-slotwise-user-id': USER };
  const status = await service(`https://localhost:${server.port}/v1/org/status`, { headers });
  t.equal(status.status, 200, 'GET /v1/org/status');
  t.equal(JSON.parse(status.body).orgId, EMULATOR_ORG_ID);
  t.equal(JSON.parse(status.body).sandbox, true);

  // 5. The sync started on connect reads the demo clinic's appointments.
  const synced = await waitFor('the first sync', async () => {
    const response = await service(`https://localhost:${server.port}/v1/org/status`, { headers });
    const body = JSON.parse(response.body);
    return body.lastSync ? body : undefined;
  });
  t.ok(synced.apiCallsUsed >= 1, 'API usage is reported');
  const events = Number(/"events":(\d+)[^\n]*org changes synced/.exec(server.output())?.[1]);
  t.ok(events >= 3, `the demo appointments arrive as events (${events})`);

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'exits cleanly, the emulator with it');
  t.match(server.output(), /shutdown complete/);

  // What the sync stored: the demo clinic's three appointments.
  const store = await openStore({ dataDir });
  t.teardown(() => store.close());
  const snapshots = await store.query<{ org_id: string; status: string; booking_key: string }>(
    'select org_id, status, booking_key from appointment_snapshot order by booking_key',
  );
  t.same(
    snapshots.map((row) => [row.org_id, row.booking_key, row.status]),
    [
      [EMULATOR_ORG_ID, 'demo-AppointmentNextWeek', 'Confirmed'],
      [EMULATOR_ORG_ID, 'demo-AppointmentTomorrow', 'Scheduled'],
      [EMULATOR_ORG_ID, 'demo-AppointmentYesterday', 'Completed'],
    ],
  );
});

t.test('sandbox: the connect URL refuses an unknown login host, and a declined sign-in shows no key', async (t) => {
  const server = await startServer(t, { DATA_DIR: tempDataDir(t) });
  const base = `https://localhost:${server.port}`;
  await waitFor(
    'ready',
    async () => ((await httpsGet(server.port, '/readyz')).status === 200 ? true : undefined),
    STARTUP_MS,
  );
  const bad = await service(`${base}/connect?loginHost=evil.example.com`);
  t.equal(bad.status, 400);
  t.match(bad.body, /login host must be/);
  const declined = await service(`${base}/connect/callback?error=access_denied&state=x`);
  t.equal(declined.status, 400);
  t.notMatch(declined.body, /swk_/);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});
