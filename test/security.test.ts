import t from 'tap';
import { Type } from '@sinclair/typebox';
import { widenCsp } from '../service/src/plugins/security.ts';
import { buildTestApp } from './helpers/app.ts';

function directives(header: unknown): Map<string, string> {
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources.join(' ')]),
  );
}

t.test('every response carries HSTS and a strict Content-Security-Policy', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/healthz', '/no-such-page']) {
    const response = await app.inject({ url });
    t.equal(response.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', url);
    const csp = directives(response.headers['content-security-policy']);
    t.equal(csp.get('default-src'), "'self'");
    t.equal(csp.get('script-src'), "'self'", 'no inline script');
    t.equal(csp.get('frame-ancestors'), "'none'", 'never framed by default');
    t.equal(csp.get('object-src'), "'none'");
    t.equal(response.headers['x-content-type-options'], 'nosniff');
  }
});

t.test('a route can widen the policy for itself only', async (t) => {
  const { app } = await buildTestApp(t);
  const widened = widenCsp({
    'script-src': ['https://jstest.authorize.net'],
    'frame-src': ['https://test.authorize.net'],
    'frame-ancestors': ['https://acme.lightning.force.com'],
  });
  app.get('/pay', widened, async () => 'pay');
  app.get('/plain', async () => 'plain');
  const pay = directives((await app.inject({ url: '/pay' })).headers['content-security-policy']);
  t.equal(pay.get('script-src'), "'self' https://jstest.authorize.net");
  t.equal(pay.get('frame-src'), 'https://test.authorize.net', "'none' gives way to the allowed source");
  t.equal(pay.get('frame-ancestors'), 'https://acme.lightning.force.com');
  t.equal(pay.get('object-src'), "'none'", 'the rest of the base policy stays');
  const plain = directives((await app.inject({ url: '/plain' })).headers['content-security-policy']);
  t.equal(plain.get('script-src'), "'self'");
  t.equal(plain.get('frame-ancestors'), "'none'");
});

t.test('errors are answered as problem+json with a stable code and nothing internal', async (t) => {
  const { app, logs } = await buildTestApp(t, { BODY_LIMIT_BYTES: '2048' });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2 at /srv/secret/path.ts:12');
  });
  app.post(
    '/echo',
    { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }) } },
    async (request) => request.body,
  );

  const cases = [
    { request: { url: '/nowhere' }, status: 404, code: 'not_found' },
    { request: { url: '/boom' }, status: 500, code: 'internal_error' },
    { request: { method: 'POST' as const, url: '/echo', payload: { name: '' } }, status: 400, code: 'invalid_request' },
    {
      request: {
        method: 'POST' as const,
        url: '/echo',
        payload: '{"name": ',
        headers: { 'content-type': 'application/json' },
      },
      status: 400,
      code: 'invalid_json',
    },
    {
      request: { method: 'POST' as const, url: '/echo', payload: { name: 'x'.repeat(4096) } },
      status: 413,
      code: 'payload_too_large',
    },
    {
      request: { method: 'POST' as const, url: '/echo', payload: 'name=x', headers: { 'content-type': 'text/csv' } },
      status: 415,
      code: 'unsupported_media_type',
    },
  ];
  for (const { request, status, code } of cases) {
    const response = await app.inject(request);
    const label = `${request.url} → ${status}`;
    t.equal(response.statusCode, status, label);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', label);
    const body = response.json();
    t.equal(body.code, code, label);
    t.equal(body.status, status, label);
    t.type(body.title, 'string', label);
    t.notMatch(response.body, /hunter2|\/srv\/|\.ts:\d|at .*\(/, `${label}: no internal detail or stack`);
  }
  t.ok(
    logs.some((line) => line.includes('"level":50') && line.includes('request failed')),
    'the 500 is logged for the operator',
  );
  const ok = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'Ada' } });
  t.same(ok.json(), { name: 'Ada' }, 'valid input still passes');
});

t.test('requests beyond the per-minute limit get 429, health probes never do', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '5' });
  app.get('/public', async () => 'ok');
  const statuses = [];
  for (let i = 0; i < 7; i++) statuses.push((await app.inject({ url: '/public' })).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429]);
  const limited = await app.inject({ url: '/public' });
  t.equal(limited.json().code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) > 0, 'tells when to retry');
  t.equal((await app.inject({ url: '/elsewhere' })).statusCode, 429, 'unknown paths count too');
  for (let i = 0; i < 10; i++) t.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
});

t.test('behind a proxy, only requests forwarded as https are served', async (t) => {
  const { app } = await buildTestApp(t, { TRUST_PROXY: 'true' });
  app.get('/page', async () => 'page');
  const plain = await app.inject({ url: '/page' });
  t.equal(plain.statusCode, 403);
  t.equal(plain.json().code, 'https_required');
  const forgedHttp = await app.inject({ url: '/page', headers: { 'x-forwarded-proto': 'http' } });
  t.equal(forgedHttp.statusCode, 403);
  const viaProxy = await app.inject({ url: '/page', headers: { 'x-forwarded-proto': 'https' } });
  t.equal(viaProxy.statusCode, 200);
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'load balancer probes over plain HTTP still work');
});

t.test('without a proxy, forwarded headers are ignored', async (t) => {
  const { app } = await buildTestApp(t);
  app.get('/proto', async (request) => request.protocol);
  const response = await app.inject({ url: '/proto', headers: { 'x-forwarded-proto': 'https' } });
  t.equal(response.body, 'http', 'a client cannot claim https it did not use');
});
