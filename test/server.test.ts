import { request as httpRequest } from 'node:http';
import t from 'tap';
import { tempDataDir } from './helpers/backends.ts';
import { freePort, httpsGet, startServer, waitFor, type ServerProcess } from './helpers/process.ts';

function readyz(server: ServerProcess) {
  return httpsGet(server.port, '/readyz').then((response) => ({ ...response, json: JSON.parse(response.body) }));
}

t.test('bad configuration: one clear message naming each variable, exit code 1, no stack trace', async (t) => {
  const server = await startServer(t, { PORT: 'x', LOG_LEVEL: 'chatty', TWILIO_ACCOUNT_SID: 'AC1' });
  t.equal(await server.exited, 1);
  const output = server.output();
  t.match(output, /^slotwise: Invalid configuration:/);
  for (const name of ['PORT', 'LOG_LEVEL', 'TLS_CERT_FILE', 'PUBLIC_URL', 'ENCRYPTION_KEYS']) t.match(output, name);
  t.notMatch(output, /\n\s+at /, 'no stack trace');
});

t.test('sandbox start: banner, HTTPS health with HSTS and CSP, readiness, clean shutdown on SIGTERM', async (t) => {
  const server = await startServer(t, { DATA_DIR: tempDataDir(t) });
  const health = await waitFor('/healthz', () => httpsGet(server.port, '/healthz'));
  t.equal(health.status, 200);
  t.same(JSON.parse(health.body), { status: 'ok' });
  t.match(health.headers['strict-transport-security'], /max-age=\d+/);
  t.match(health.headers['content-security-policy'], /default-src 'self'/);
  t.match(server.output(), /Sandbox mode: no Salesforce, Twilio or Authorize.Net credentials/);
  t.match(server.output(), `https://localhost:${server.port}/healthz`, 'prints the URLs to open');
  const ready = await waitFor('ready', async () => ((await readyz(server)).status === 200 ? true : undefined));
  t.ok(ready);

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'exits cleanly');
  t.match(server.output(), /shutdown complete/);
});

t.test('a second process on the same data folder is refused, reports not-ready, and recovers', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startServer(t, { DATA_DIR: dataDir });
  await waitFor('first ready', async () => ((await readyz(first)).status === 200 ? true : undefined));

  const second = await startServer(t, { DATA_DIR: dataDir });
  const refused = await waitFor('second to report the lock', async () => {
    const response = await readyz(second);
    return response.json.store.code ? response : undefined;
  });
  t.equal(refused.status, 503);
  t.same(refused.json.store, { state: 'unavailable', code: 'store_locked' });
  t.match(second.output(), new RegExp(`data folder .* is in use by process ${first.child.pid}`));
  t.equal(second.child.exitCode, null, 'it does not crash-loop');
  t.equal((await readyz(first)).status, 200, 'the first process is unharmed');

  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0);
  const recovered = await waitFor('second to take over', async () =>
    (await readyz(second)).status === 200 ? true : undefined,
  );
  t.ok(recovered, 'the second process opens the store once the first has gone');
});

t.test(
  'an unreachable database makes the service not-ready, not dead, and the password stays out of the log',
  async (t) => {
    const unusedPort = await freePort();
    const server = await startServer(t, {
      DATA_DIR: tempDataDir(t),
      DATABASE_URL: `postgres://slotwise:hunter2@127.0.0.1:${unusedPort}/slotwise`,
    });
    const response = await waitFor('readiness to report the database', async () => {
      const result = await readyz(server);
      return result.json.store.code ? result : undefined;
    });
    t.equal(response.status, 503);
    t.same(response.json.store, { state: 'unavailable', code: 'store_unreachable' });
    t.equal((await httpsGet(server.port, '/healthz')).status, 200, 'still alive');
    await waitFor('the log line', async () => (server.output().includes('is not reachable') ? true : undefined));
    t.notMatch(server.output(), 'hunter2');
  },
);

t.test('the plain-HTTP port only redirects to HTTPS', async (t) => {
  const redirectPort = await freePort();
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), HTTP_REDIRECT_PORT: String(redirectPort) });
  await waitFor('/healthz', () => httpsGet(server.port, '/healthz'));
  const response = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: redirectPort, path: '/book/acme?day=2026-12-01' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.once('error', reject);
    req.end();
  });
  t.equal(response.status, 301);
  t.equal(response.location, `https://localhost:${server.port}/book/acme?day=2026-12-01`);
});
