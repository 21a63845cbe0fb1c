import t from 'tap';
import { createServer } from 'node:net';
import { createSmsApi, retryAfterMs, backoffMs } from '../../service/src/sms/sender.ts';
import { createTwilioClient } from '../../service/src/sms/twilio-client.ts';
import { apiFor, FROM_NUMBER, MESSAGING_SERVICE_SID, startStandIn } from './helpers.ts';

const TO = '+447700900123';
const base = {
  to: TO,
  body: 'Hi Ana, see you Tue 24 Nov, 9:30 AM GMT',
  statusCallback: 'http://127.0.0.1:9/sms/status',
  validityPeriodSeconds: 900,
};

t.test('a send through a Messaging Service is accepted with its SID, status and segments', async (t) => {
  const standin = await startStandIn(t);
  const result = await apiFor(standin).sendSms({ ...base, messagingServiceSid: MESSAGING_SERVICE_SID });
  t.equal(result.kind, 'sent');
  if (result.kind !== 'sent') return;
  t.match(result.sid, /^SM[0-9a-f]{32}$/);
  t.equal(result.status, 'accepted');
  t.equal(result.segments, 1, 'counted locally while Twilio reports 0 for a Messaging Service');
  const [message] = standin.messages();
  t.equal(message?.to, TO);
  t.equal(message?.validityPeriod, 900);
  t.equal(message?.messagingServiceSid, MESSAGING_SERVICE_SID);
});

t.test('a send from a number takes Twilio’s segment count', async (t) => {
  const standin = await startStandIn(t);
  const result = await apiFor(standin).sendSms({ ...base, body: 'x'.repeat(161), from: FROM_NUMBER });
  t.same(result.kind === 'sent' && [result.status, result.segments], ['queued', 2]);
});

t.test('429 / 20429 is retried, never sooner than Retry-After, and the SDK does not retry by itself', async (t) => {
  const standin = await startStandIn(t);
  standin.faults.add({ kind: 'rate_limited', retryAfter: '7' });
  const result = await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER });
  t.same(result, { kind: 'retry', code: 20429, afterMs: 7_000, maybeSent: false });
  t.equal(standin.requests.length, 1, 'one request: no hidden SDK retry');
  t.equal(standin.countTo(TO), 0);

  standin.faults.add({ kind: 'rate_limited', retryAfter: '1' });
  const later = await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER, attempt: 4 });
  t.same(
    later,
    { kind: 'retry', code: 20429, afterMs: backoffMs(4, { baseMs: 1_000, maxMs: 60_000 }), maybeSent: false },
    'backoff wins when longer',
  );
});

t.test('Retry-After as an HTTP date counts from now', async (t) => {
  const standin = await startStandIn(t);
  const now = Date.parse('2026-11-24T09:00:00Z');
  standin.faults.add({ kind: 'rate_limited', retryAfter: new Date(now + 30_000).toUTCString() });
  const result = await apiFor(standin, { now: () => now }).sendSms({ ...base, from: FROM_NUMBER });
  t.same(result, { kind: 'retry', code: 20429, afterMs: 30_000, maybeSent: false });
  t.equal(retryAfterMs('soon', now), undefined);
});

t.test('a 500 is retried with backoff', async (t) => {
  const standin = await startStandIn(t);
  standin.faults.add({ kind: 'server_error' });
  t.same(await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER, attempt: 2 }), {
    kind: 'retry',
    code: 20500,
    afterMs: 2_000,
    maybeSent: false,
  });
});

t.test('21610: the recipient opted out, and it is not retried', async (t) => {
  const standin = await startStandIn(t);
  standin.optOut(TO);
  t.same(await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER }), { kind: 'opted_out', code: 21610 });
});

t.test('21211 and 21614 are an invalid number; a number without a country never reaches Twilio', async (t) => {
  const standin = await startStandIn(t);
  standin.rejectNumber(TO, 21614);
  t.same(await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER }), { kind: 'invalid_number', code: 21614 });
  standin.rejectNumber(TO, 21211);
  t.same(await apiFor(standin).sendSms({ ...base, from: FROM_NUMBER }), { kind: 'invalid_number', code: 21211 });
  const requests = standin.requests.length;
  t.same(await apiFor(standin).sendSms({ ...base, to: '07700900123', from: FROM_NUMBER }), {
    kind: 'invalid_number',
    code: 'not_e164',
  });
  t.equal(standin.requests.length, requests, 'not sent');
});

t.test('other errors are permanent failures with Twilio’s code', async (t) => {
  const standin = await startStandIn(t);
  t.same(await apiFor(standin).sendSms({ ...base, body: 'x'.repeat(1601), from: FROM_NUMBER }), {
    kind: 'failed',
    code: 21617,
  });
  const client = createTwilioClient({
    credentials: { accountSid: standin.accountSid, authToken: 'wrong' },
    baseUrl: standin.url,
    timeoutMs: 5_000,
  });
  t.same(await createSmsApi({ client }).sendSms({ ...base, from: FROM_NUMBER }), { kind: 'failed', code: 20003 });
});

t.test('an API key authenticates for the account', async (t) => {
  const standin = await startStandIn(t, { apiKeys: [{ sid: 'SK' + 'b'.repeat(32), secret: 'key-secret' }] });
  const client = createTwilioClient({
    credentials: { accountSid: standin.accountSid, apiKeySid: 'SK' + 'b'.repeat(32), apiKeySecret: 'key-secret' },
    baseUrl: standin.url,
    timeoutMs: 5_000,
  });
  t.equal((await createSmsApi({ client }).sendSms({ ...base, from: FROM_NUMBER })).kind, 'sent');
});

t.test('bodies in any script and emoji arrive unchanged', async (t) => {
  const standin = await startStandIn(t);
  const body = 'مرحبا Ana 👋🏽 — 你好 — שלום';
  const result = await apiFor(standin).sendSms({ ...base, body, from: FROM_NUMBER });
  t.equal(result.kind, 'sent');
  t.equal(standin.messages()[0]?.body, body);
});

t.test('a timeout is retried as maybe-sent, and the message it left behind can be found', async (t) => {
  const standin = await startStandIn(t);
  standin.faults.add({ kind: 'slow', delayMs: 2_000 });
  const api = apiFor(standin, { timeoutMs: 300 });
  const result = await api.sendSms({ ...base, from: FROM_NUMBER });
  t.same(result, { kind: 'retry', code: 'timeout', afterMs: 1_000, maybeSent: true });
  const found = await api.findMessages({ to: TO, from: FROM_NUMBER, limit: 20 });
  t.equal(found.length, 1);
  t.equal(found[0]?.body, base.body);
  const fetched = await api.fetchMessage(found[0]!.sid);
  t.equal(fetched?.sid, found[0]?.sid);
  t.equal(await api.fetchMessage('SM' + '0'.repeat(32)), undefined, 'unknown SID');
});

t.test('a refused connection is retried as certainly not sent', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const client = createTwilioClient({
    credentials: { accountSid: 'AC' + '1'.repeat(32), authToken: 'x' },
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 1_000,
  });
  t.same(
    await createSmsApi({ client, backoff: { baseMs: 500, maxMs: 1_000 } }).sendSms({ ...base, from: FROM_NUMBER }),
    {
      kind: 'retry',
      code: 'network',
      afterMs: 500,
      maybeSent: false,
    },
  );
});

t.test('a lookup by recipient returns the newest messages first, up to the limit', async (t) => {
  const standin = await startStandIn(t);
  const api = apiFor(standin);
  for (let i = 0; i < 5; i++) await api.sendSms({ ...base, body: `message ${i}`, from: FROM_NUMBER });
  await api.sendSms({ ...base, to: '+447700900999', from: FROM_NUMBER });
  const found = await api.findMessages({ to: TO, limit: 4 });
  t.same(
    found.map((m) => m.body),
    ['message 4', 'message 3', 'message 2', 'message 1'],
    'newest first, limited',
  );
});

t.test('bad arguments are programming errors, thrown before any request', async (t) => {
  const standin = await startStandIn(t);
  const api = apiFor(standin);
  await t.rejects(api.sendSms({ ...base, validityPeriodSeconds: 0, from: FROM_NUMBER }), RangeError);
  await t.rejects(api.sendSms({ ...base, body: '', from: FROM_NUMBER }), RangeError);
  t.equal(standin.requests.length, 0);
});
