import t from 'tap';
import { scrub } from '../service/src/logger.ts';
import { buildTestApp } from './helpers/app.ts';

// Values that must never reach a log, each in a form a client might really send.
const SECRETS = {
  bearer: 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-abc123',
  cookie: 'sw_session=s3ss10nS3cr3t',
  apiKey: 'swk_live_Zq8f3LmN0pRtUvWx',
  twilioSignature: 'Tw1l10S1gnatur3Value=',
  phone: '+14155552671',
  phoneFormatted: '(415) 555-2671',
  email: 'patient.name+tag@example.org',
  card: '4111 1111 1111 1111',
  cardPlain: '5555555555554444',
  messageBody: 'Your appointment with Dr Who is at 10:30',
  password: 'correct-horse-battery',
};

t.test('a request full of secrets leaves none of them in the logs', async (t) => {
  const { app, logs } = await buildTestApp(t);
  app.post('/intake', async (request) => {
    // What a careless feature might do: log the whole body, the headers and an error built from input.
    request.log.info({ body: request.body, headers: request.headers }, 'intake received');
    const body = request.body as Record<string, string>;
    request.log.warn({ payload: body }, `could not text ${body.phone} at ${body.email} about card ${body.card}`);
    throw new Error(`failed for ${body.phone} / ${body.email} / ${body.card} / Bearer ${SECRETS.bearer}`);
  });

  const query = new URLSearchParams({ phone: SECRETS.phone, email: SECRETS.email, token: SECRETS.apiKey });
  const response = await app.inject({
    method: 'POST',
    url: `/intake?${query}`,
    headers: {
      authorization: `Bearer ${SECRETS.bearer}`,
      cookie: SECRETS.cookie,
      'x-api-key': SECRETS.apiKey,
      'x-twilio-signature': SECRETS.twilioSignature,
    },
    payload: {
      phone: SECRETS.phone,
      altPhone: SECRETS.phoneFormatted,
      email: SECRETS.email,
      card: SECRETS.card,
      cardPlain: SECRETS.cardPlain,
      Body: SECRETS.messageBody,
      password: SECRETS.password,
      notes: `call me on ${SECRETS.phoneFormatted} or mail ${SECRETS.email}`,
    },
  });
  t.equal(response.statusCode, 500);
  await app.close();

  const everything = logs.join('');
  t.ok(logs.length >= 4, `the request was logged (${logs.length} lines)`);
  t.match(everything, /intake received/, 'the careless log lines are there, redacted');
  t.match(everything, /"url":"\/intake\?phone=\[redacted\]&email=\[redacted\]&token=\[redacted\]"/);
  for (const [name, value] of Object.entries(SECRETS)) {
    t.notOk(everything.includes(value), `${name} is not logged`);
  }
  // Digits of the card and phone in any grouping.
  t.notMatch(everything, /4111\D?1111\D?1111\D?1111|5555555555554444|4155552671/);
  t.notMatch(everything, /%2B1415|%40example/i, 'nor their URL-encoded forms');
});

t.test('the scrubber catches secrets by shape and leaves ordinary values alone', async (t) => {
  const cases: Array<[string, string]> = [
    ['to +447700900123 now', 'to [redacted] now'],
    ['card 4111-1111-1111-1111 declined', 'card [redacted] declined'],
    ['mail bob@example.com', 'mail [redacted]'],
    ['url ?phone=%2B14155552671&x=1', 'url ?phone=[redacted]&x=1'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
    ['callback?api_key=abc123&ok=1', 'callback?api_key=[redacted]&ok=1'],
  ];
  for (const [input, expected] of cases) t.equal(scrub(input), expected, input);
  const ordinary = '{"time":"2026-11-22T18:41:00.000Z","pid":4242,"status":200,"ms":12,"reqId":"req-1f"}';
  t.equal(scrub(ordinary), ordinary, 'timestamps, ids and small numbers survive');
});
