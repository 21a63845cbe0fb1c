import t, { type Test } from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidTwilioSignature } from '../../service/src/sms/signature.ts';
import { apiFor, FROM_NUMBER, MESSAGING_SERVICE_SID, startStandIn } from './helpers.ts';

interface Received {
  params: Record<string, string>;
  valid: boolean;
}

/** A stand-in for the service's status webhook: records each callback and whether its signature verified. */
async function startReceiver(t: Test, authToken: string): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`;
      const header = req.headers['x-twilio-signature'];
      received.push({
        params,
        valid: isValidTwilioSignature(authToken, typeof header === 'string' ? header : undefined, url, params),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms/status?reminder=r-1`, received };
}

const TO = '+447700900123';

t.test('signed status callbacks follow queued → sent → delivered', async (t) => {
  const standin = await startStandIn(t);
  const receiver = await startReceiver(t, standin.authToken);
  const result = await apiFor(standin).sendSms({
    to: TO,
    body: 'Hi',
    statusCallback: receiver.url,
    validityPeriodSeconds: 600,
    from: FROM_NUMBER,
  });
  await standin.idle();
  t.same(
    receiver.received.map((r) => r.params.MessageStatus),
    ['sent', 'delivered'],
  );
  t.ok(
    receiver.received.every((r) => r.valid),
    'every callback carries a valid X-Twilio-Signature',
  );
  t.ok(receiver.received.every((r) => r.params.MessageSid === (result.kind === 'sent' ? result.sid : '')));
  t.equal(standin.messages()[0]?.status, 'delivered');
  t.ok(standin.messages()[0]?.dateSent, 'date_sent set when sent');
});

t.test('a Messaging Service message starts accepted, then gets a number; failures carry their code', async (t) => {
  const standin = await startStandIn(t);
  const receiver = await startReceiver(t, standin.authToken);
  standin.setOutcome(TO, { status: 'undelivered', errorCode: 30003 });
  standin.setOutcome('+447700900999', { status: 'failed', errorCode: 30036 });
  const api = apiFor(standin);
  await api.sendSms({
    to: TO,
    body: 'Hi',
    statusCallback: receiver.url,
    validityPeriodSeconds: 600,
    messagingServiceSid: MESSAGING_SERVICE_SID,
  });
  await standin.idle();
  t.same(
    receiver.received.map((r) => r.params.MessageStatus),
    ['queued', 'sent', 'undelivered'],
  );
  t.equal(receiver.received.at(-1)?.params.ErrorCode, '30003');
  t.equal(receiver.received[0]?.params.MessagingServiceSid, MESSAGING_SERVICE_SID);
  const message = await api.fetchMessage(standin.messages()[0]!.sid);
  t.equal(message?.from, FROM_NUMBER, 'the service picked its number');
  t.equal(message?.errorCode, 30003);
  t.equal(message?.segments, 1);

  await api.sendSms({
    to: '+447700900999',
    body: 'Hi',
    statusCallback: receiver.url,
    validityPeriodSeconds: 1,
    from: FROM_NUMBER,
  });
  await standin.idle();
  t.same(
    receiver.received.slice(3).map((r) => [r.params.MessageStatus, r.params.ErrorCode]),
    [['failed', '30036']],
    'a failed message never reaches sent',
  );
});

t.test('out-of-order mode sends the newest status first', async (t) => {
  const standin = await startStandIn(t, { outOfOrderCallbacks: true });
  const receiver = await startReceiver(t, standin.authToken);
  await apiFor(standin).sendSms({
    to: TO,
    body: 'Hi',
    statusCallback: receiver.url,
    validityPeriodSeconds: 600,
    from: FROM_NUMBER,
  });
  await standin.idle();
  t.same(
    receiver.received.map((r) => r.params.MessageStatus),
    ['delivered', 'sent'],
  );
  t.ok(receiver.received.every((r) => r.valid));
});

t.test('callbacks go to loopback hosts only', async (t) => {
  const standin = await startStandIn(t);
  await apiFor(standin).sendSms({
    to: TO,
    body: 'Hi',
    statusCallback: 'https://203.0.113.9/sms/status',
    validityPeriodSeconds: 600,
    from: FROM_NUMBER,
  });
  await standin.idle();
  t.ok(standin.callbacks.length > 0);
  t.ok(standin.callbacks.every((c) => c.result === 'refused: not a loopback host'));
});

t.test('Basic auth, account and routes are checked with Twilio’s error shapes', async (t) => {
  const standin = await startStandIn(t);
  const post = (auth: string, account = standin.accountSid) =>
    fetch(`${standin.url}/2010-04-01/Accounts/${account}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: TO, From: FROM_NUMBER, Body: 'Hi' }),
    });
  const unauthorised = await post(`${standin.accountSid}:wrong`);
  t.equal(unauthorised.status, 401);
  t.same(await unauthorised.json(), {
    code: 20003,
    message: 'Authenticate',
    more_info: 'https://www.twilio.com/docs/errors/20003',
    status: 401,
  });
  t.equal((await post(`${standin.accountSid}:${standin.authToken}`, 'AC' + 'f'.repeat(32))).status, 404);
  const created = await post(`${standin.accountSid}:${standin.authToken}`);
  t.equal(created.status, 201);
  const json = (await created.json()) as Record<string, unknown>;
  t.match(json, {
    sid: /^SM[0-9a-f]{32}$/,
    account_sid: standin.accountSid,
    status: 'queued',
    direction: 'outbound-api',
    num_segments: '1',
    error_code: null,
    date_created: /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
    api_version: '2010-04-01',
  });
  const missing = await fetch(`${standin.url}/2010-04-01/Accounts/${standin.accountSid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${standin.accountSid}:${standin.authToken}`).toString('base64')}` },
    body: new URLSearchParams({ To: TO, Body: 'Hi' }),
  });
  t.equal(((await missing.json()) as { code: number }).code, 21603, 'no From and no Messaging Service');
  t.equal(standin.countTo(TO), 1, 'only the authorised, complete request made a message');
});

t.test('the sandbox page lists the messages sent, escaped, in any script', async (t) => {
  const standin = await startStandIn(t);
  await apiFor(standin).sendSms({
    to: TO,
    body: '<b>Hi</b> שלום 👋',
    statusCallback: 'http://127.0.0.1:9/x',
    validityPeriodSeconds: 600,
    from: FROM_NUMBER,
  });
  const page = await fetch(`${standin.url}/`);
  t.match(page.headers.get('content-type'), /text\/html/);
  const html = await page.text();
  t.match(html, '&#60;b&#62;Hi&#60;/b&#62; שלום 👋');
  t.notMatch(html, '<b>Hi</b>');
  t.match(html, TO);
  const listing = (await (await fetch(`${standin.url}/_standin/messages.json`)).json()) as {
    messages: { to: string }[];
  };
  t.same(
    listing.messages.map((m) => m.to),
    [TO],
  );
});
