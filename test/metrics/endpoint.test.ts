import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { parseMetrics, samplesOf } from './scrape.ts';

const TOKEN = 'mt_0123456789abcdefghijklmnopqrstuvwxyz';

const production = {
  SALESFORCE_CLIENT_ID: 'client-id',
  SALESFORCE_CLIENT_SECRET: 'client-secret',
  PUBLIC_URL: 'https://book.example.com',
  TRUST_PROXY: 'true',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};
// Behind the proxy every request arrives forwarded as https.
const viaProxy = { 'x-forwarded-proto': 'https' };

t.test('sandbox mode without a token: open, Prometheus text with process and service metrics', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const samples = parseMetrics(response.body);
  t.ok(samplesOf(samples, 'process_cpu_user_seconds_total').length === 1, 'process default metrics');
  t.ok(samplesOf(samples, 'nodejs_heap_size_used_bytes').length === 1);
  for (const family of [
    'slotwise_outbox_delivered_total',
    'slotwise_outbox_rejected_total',
    'slotwise_outbox_transient_failures_total',
    'slotwise_outbox_writes',
    'slotwise_outbox_oldest_pending_age_seconds',
    'slotwise_org_seconds_since_last_sync',
    'slotwise_salesforce_api_requests_used',
    'slotwise_salesforce_api_requests_limit',
    'slotwise_job_queue_jobs',
  ]) {
    t.match(response.body, `# TYPE ${family} `, `${family} is exported`);
  }
});

t.test('two apps in one process each have their own registry', async (t) => {
  const first = await buildTestApp(t);
  const second = await buildTestApp(t);
  t.not(first.app.metrics.registry, second.app.metrics.registry);
  first.app.metrics.outbox.delivered('Slotwise_Appointment__c');
  const scrape = async (app: typeof first.app) =>
    parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body);
  t.same(
    samplesOf(await scrape(first.app), 'slotwise_outbox_delivered_total').map((s) => [s.labels.sobject, s.value]),
    [['Slotwise_Appointment__c', 1]],
  );
  t.same(samplesOf(await scrape(second.app), 'slotwise_outbox_delivered_total'), [], 'the other app counted nothing');
});

t.test('outside sandbox mode without METRICS_TOKEN there is no /metrics', async (t) => {
  const { app } = await buildTestApp(t, production);
  t.equal(app.hasRoute({ method: 'GET', url: '/metrics' }), false);
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: viaProxy });
  t.equal(response.statusCode, 404);
  t.match(response.json(), { status: 404, code: 'not_found' });
  const withToken = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { ...viaProxy, authorization: `Bearer ${TOKEN}` },
  });
  t.equal(withToken.statusCode, 404, 'a token does not help when none is configured');
});

for (const [mode, env, headers] of [
  ['outside sandbox mode', { ...production, METRICS_TOKEN: TOKEN }, viaProxy],
  ['in sandbox mode', { METRICS_TOKEN: TOKEN }, {}],
] as const) {
  t.test(`${mode} with METRICS_TOKEN: the bearer token is required`, async (t) => {
    const { app, logs } = await buildTestApp(t, env);
    const scrape = (authorization?: string) =>
      app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { ...headers, ...(authorization === undefined ? {} : { authorization }) },
      });

    const missing = await scrape();
    t.equal(missing.statusCode, 401);
    t.equal(missing.headers['www-authenticate'], 'Bearer realm="slotwise-metrics"');
    t.match(missing.headers['content-type'], /^application\/problem\+json/);
    t.match(missing.json(), { status: 401, code: 'metrics_token_missing' });

    for (const wrong of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer short',
      `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
      `${TOKEN}`,
      `Bearer ${TOKEN} extra`,
    ]) {
      const response = await scrape(wrong);
      t.equal(response.statusCode, 401, `refused: ${wrong.slice(0, 12)}…`);
      t.equal(response.headers['www-authenticate'], 'Bearer realm="slotwise-metrics"');
      t.notMatch(response.body, 'slotwise_outbox', 'no metrics in the refusal');
    }
    t.match((await scrape(`Bearer ${TOKEN}x`)).json(), { code: 'metrics_token_invalid' });

    const ok = await scrape(`Bearer ${TOKEN}`);
    t.equal(ok.statusCode, 200);
    t.match(ok.body, '# TYPE slotwise_outbox_writes gauge');
    t.equal((await scrape(`bearer ${TOKEN}`)).statusCode, 200, 'the scheme is case-insensitive');

    t.notOk(
      logs.some((line) => line.includes(TOKEN)),
      'the token is never logged',
    );
  });
}
