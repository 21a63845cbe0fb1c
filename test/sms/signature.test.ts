import t from 'tap';
import { createHmac } from 'node:crypto';
import { HttpProblem } from '../../service/src/problem.ts';
import {
  assertTwilioSignature,
  isValidTwilioSignature,
  signTwilioRequest,
  webhookUrl,
} from '../../service/src/sms/signature.ts';

const TOKEN = 'test-auth-token';
const PUBLIC_URL = new URL('https://slotwise.example.com');
const PATH = '/webhooks/twilio/status?reminder=r-42';
const URL_SIGNED = 'https://slotwise.example.com/webhooks/twilio/status?reminder=r-42';
const params = {
  MessageSid: 'SM' + 'a'.repeat(32),
  MessageStatus: 'delivered',
  To: '+447700900123',
  Body: 'Réponse 👍 مرحبا',
};

/** Twilio's documented algorithm, written out independently of the SDK. */
function referenceSignature(token: string, url: string, p: Record<string, string>): string {
  const data = Object.keys(p)
    .sort()
    .reduce((acc, key) => acc + key + p[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

t.test('the signature is HMAC-SHA1 of the URL and the sorted parameters, base64', async (t) => {
  t.equal(signTwilioRequest(TOKEN, URL_SIGNED, params), referenceSignature(TOKEN, URL_SIGNED, params));
});

t.test('a valid signature verifies', async (t) => {
  const signature = referenceSignature(TOKEN, URL_SIGNED, params);
  t.equal(webhookUrl(PUBLIC_URL, PATH), URL_SIGNED);
  t.ok(isValidTwilioSignature(TOKEN, signature, webhookUrl(PUBLIC_URL, PATH), params));
  t.doesNotThrow(() =>
    assertTwilioSignature({
      authToken: TOKEN,
      publicUrl: PUBLIC_URL,
      requestPath: PATH,
      signatureHeader: signature,
      params,
    }),
  );
});

t.test('forged, missing or malformed signatures do not', async (t) => {
  t.notOk(isValidTwilioSignature(TOKEN, referenceSignature('another-token', URL_SIGNED, params), URL_SIGNED, params));
  t.notOk(isValidTwilioSignature(TOKEN, undefined, URL_SIGNED, params));
  t.notOk(isValidTwilioSignature(TOKEN, '', URL_SIGNED, params));
  t.notOk(isValidTwilioSignature(TOKEN, 'not base64 at all', URL_SIGNED, params));
});

t.test('a replay with one parameter changed, added or removed fails', async (t) => {
  const signature = signTwilioRequest(TOKEN, URL_SIGNED, params);
  t.notOk(isValidTwilioSignature(TOKEN, signature, URL_SIGNED, { ...params, MessageStatus: 'failed' }));
  t.notOk(isValidTwilioSignature(TOKEN, signature, URL_SIGNED, { ...params, ErrorCode: '30003' }));
  const { Body: _body, ...withoutBody } = params;
  t.notOk(isValidTwilioSignature(TOKEN, signature, URL_SIGNED, withoutBody));
  t.ok(
    isValidTwilioSignature(TOKEN, signature, URL_SIGNED, params),
    'the identical replay verifies: handlers are idempotent',
  );
});

t.test('a signature for another URL fails: host, scheme, path or query', async (t) => {
  const signature = signTwilioRequest(TOKEN, URL_SIGNED, params);
  for (const url of [
    'https://attacker.example.net/webhooks/twilio/status?reminder=r-42',
    'http://slotwise.example.com/webhooks/twilio/status?reminder=r-42',
    'https://slotwise.example.com/webhooks/twilio/inbound?reminder=r-42',
    'https://slotwise.example.com/webhooks/twilio/status?reminder=r-43',
  ]) {
    t.notOk(isValidTwilioSignature(TOKEN, signature, url, params), url);
  }
  t.notOk(
    isValidTwilioSignature(TOKEN, signature, webhookUrl(new URL('https://other.example.com'), PATH), params),
    'the configured public URL decides, not where the request says it went',
  );
});

t.test('assertTwilioSignature answers 403 problem for a forged request', async (t) => {
  const error = t.throws(() =>
    assertTwilioSignature({
      authToken: TOKEN,
      publicUrl: PUBLIC_URL,
      requestPath: PATH,
      signatureHeader: referenceSignature('guess', URL_SIGNED, params),
      params,
    }),
  ) as HttpProblem;
  t.ok(error instanceof HttpProblem);
  t.equal(error.status, 403);
  t.equal(error.code, 'twilio_signature_invalid');
  t.throws(() =>
    assertTwilioSignature({
      authToken: TOKEN,
      publicUrl: PUBLIC_URL,
      requestPath: PATH,
      signatureHeader: ['a', 'b'],
      params,
    }),
  );
});
