import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isValidAnetSignature,
  parseAnetWebhookEvent,
  signAnetWebhook,
} from '../../../service/src/payments/authnet/webhook.ts';
import { clientFor, GOOD_CARD, nextInvoice, startStandIn } from './helpers.ts';

const KEY =
  'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';
const BODY =
  '{"notificationId":"d0e8e7fe-c3e7-4add-a480-27bc5ce28a05","eventType":"net.authorize.payment.authcapture.created","eventDate":"2017-03-29T20:48:02.0080095Z","webhookId":"63d6fea2-aa13-4b1d-a204-f5fbc15942b7","payload":{"responseCode":1,"authCode":"LZ6I19","avsResponse":"Y","authAmount":45.00,"entityName":"transaction","id":"60020981676"}}';

t.test('a signature made with the key verifies, in either hex case', async (t) => {
  const header = signAnetWebhook(KEY, BODY);
  t.match(header, /^sha512=[0-9A-F]{128}$/);
  t.ok(isValidAnetSignature(KEY, BODY, header));
  t.ok(isValidAnetSignature(KEY, Buffer.from(BODY), header.toLowerCase().replace('sha512=', 'SHA512=')));
});

t.test('forged, altered, missing or malformed signatures fail', async (t) => {
  const header = signAnetWebhook(KEY, BODY);
  t.notOk(isValidAnetSignature('another-key', BODY, header), 'signed with another key');
  t.notOk(isValidAnetSignature(KEY, BODY.replace('45.00', '4500.00'), header), 'body altered');
  t.notOk(isValidAnetSignature(KEY, BODY + ' ', header), 'a byte appended');
  t.notOk(isValidAnetSignature(KEY, BODY, undefined), 'no header');
  t.notOk(isValidAnetSignature(KEY, BODY, [header]), 'header repeated');
  t.notOk(isValidAnetSignature(KEY, BODY, header.slice(7)), 'no sha512= prefix');
  t.notOk(isValidAnetSignature(KEY, BODY, header.slice(0, -2)), 'truncated');
  t.notOk(isValidAnetSignature(KEY, BODY, `sha256=${header.slice(7)}`), 'another algorithm');
});

t.test('events are parsed with their schema; anything else is null', async (t) => {
  t.match(parseAnetWebhookEvent(BODY), {
    notificationId: 'd0e8e7fe-c3e7-4add-a480-27bc5ce28a05',
    eventType: 'net.authorize.payment.authcapture.created',
    payload: { id: '60020981676', responseCode: 1, entityName: 'transaction' },
  });
  t.equal(parseAnetWebhookEvent('not json'), null);
  t.equal(parseAnetWebhookEvent('{"eventType":"net.authorize.payment.authcapture.created"}'), null);
  t.equal(parseAnetWebhookEvent(BODY.replace('net.authorize.', 'com.example.')), null);
});

t.test('the stand-in posts signed events that verify with the signature key', async (t) => {
  const received: { signature: string | undefined; body: string }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['x-anet-signature'];
      received.push({
        signature: typeof signature === 'string' ? signature : undefined,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/authnet`;
  const standin = await startStandIn(t, { webhook: { url, signatureKey: KEY } });
  const client = clientFor(standin);
  const invoiceNumber = nextInvoice();
  const charge = await client.chargeNonce({
    nonce: standin.mintNonce(GOOD_CARD).dataValue,
    amountMinor: 4500,
    currency: 'USD',
    invoiceNumber,
    description: 'Credits',
    capture: false,
  });
  await client.void(charge.transId);
  const deliveries = await standin.webhookDeliveries();
  t.same(
    deliveries.map((d) => [d.eventType, d.result]),
    [
      ['net.authorize.payment.authorization.created', 200],
      ['net.authorize.payment.void.created', 200],
    ],
  );
  t.equal(received.length, 2);
  for (const { signature, body } of received) {
    t.ok(isValidAnetSignature(KEY, body, signature), 'verifies');
    t.notOk(isValidAnetSignature(KEY.toLowerCase(), body, signature), 'the key is used as given');
    t.match(parseAnetWebhookEvent(body), { payload: { id: charge.transId, entityName: 'transaction' } });
  }
  const ids = received.map(({ body }) => parseAnetWebhookEvent(body)?.notificationId);
  t.not(ids[0], ids[1], 'each notification has its own id (the idempotency key)');
});
