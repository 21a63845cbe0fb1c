import t from 'tap';
import { ConfigError, loadConfig } from '../service/src/config.ts';

const production = {
  SALESFORCE_CLIENT_ID: 'client-id',
  SALESFORCE_CLIENT_SECRET: 'client-secret',
  PUBLIC_URL: 'https://book.example.com',
  TLS_CERT_FILE: 'cert.pem',
  TLS_KEY_FILE: 'key.pem',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

t.test('with nothing configured the service runs in sandbox mode with defaults', async (t) => {
  const config = loadConfig({}, '/srv');
  t.equal(config.sandbox, true);
  t.equal(config.port, 8443);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.publicUrl.href, 'https://localhost:8443/');
  t.equal(config.dataDir, '/srv/data');
  t.equal(config.databaseUrl, undefined);
  t.equal(config.trustProxy, false);
  t.equal(config.tls, undefined);
});

t.test('real credentials switch sandbox mode off, and production settings are then required', async (t) => {
  t.same(problemsOf(production), [], 'a complete production configuration is accepted');
  const config = loadConfig(production, '/srv');
  t.equal(config.sandbox, false);
  t.same(config.tls, { certFile: '/srv/cert.pem', keyFile: '/srv/key.pem' });

  const problems = problemsOf({ TWILIO_ACCOUNT_SID: 'AC123' });
  t.match(problems, [
    /TLS_CERT_FILE and TLS_KEY_FILE are required/,
    /PUBLIC_URL is required/,
    /ENCRYPTION_KEYS is required/,
    /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together/,
    /exactly one of TWILIO_MESSAGING_SERVICE_SID and TWILIO_FROM_NUMBER/,
  ]);
  t.equal(problems.length, 5, 'each missing variable is named once');
});

t.test('behind a TLS-terminating proxy no certificate is needed', async (t) => {
  const { TLS_CERT_FILE: _cert, TLS_KEY_FILE: _key, ...rest } = production;
  t.same(problemsOf({ ...rest, TRUST_PROXY: 'true' }), []);
  t.equal(loadConfig({ ...rest, TRUST_PROXY: 'true' }).trustProxy, true);
});

t.test('every bad variable is named in one message', async (t) => {
  const env = {
    PORT: 'eighty',
    HTTP_REDIRECT_PORT: '70000',
    TRUST_PROXY: 'maybe',
    TLS_CERT_FILE: 'cert.pem',
    PUBLIC_URL: 'http://book.example.com',
    DATABASE_URL: 'mysql://user:hunter2@db/slotwise',
    LOG_LEVEL: 'loud',
    BODY_LIMIT_BYTES: '-5',
    RATE_LIMIT_PER_MINUTE: '1.5',
    SHUTDOWN_TIMEOUT_MS: '10',
    ENCRYPTION_KEYS: 'k1:c2hvcnQta2V5LW1hdGVyaWFs',
  };
  const error = t.throws(() => loadConfig(env)) as ConfigError;
  t.ok(error instanceof ConfigError);
  for (const name of Object.keys(env)) {
    t.match(error.message, name, `${name} is named`);
  }
  t.match(error.message, /TLS_CERT_FILE and TLS_KEY_FILE must be set together/);
  t.notMatch(error.message, 'hunter2', 'a password in DATABASE_URL is not echoed');
  t.notMatch(error.message, 'c2hvcnQta2V5LW1hdGVyaWFs', 'nor key material');
  t.match(error.message, /ENCRYPTION_KEYS: encryption key "k1" is 18 bytes/);
  t.notMatch(error.stack?.split('\n').slice(1).join('\n') ?? '', 'hunter2');
});

t.test('the redirect port cannot be the HTTPS port', async (t) => {
  t.match(problemsOf({ PORT: '9443', HTTP_REDIRECT_PORT: '9443' }), [/HTTP_REDIRECT_PORT must differ from PORT/]);
});

t.test('PUBLIC_URL must be a bare https origin', async (t) => {
  for (const value of ['https://book.example.com/path', 'https://book.example.com/?a=1', 'not a url']) {
    t.match(problemsOf({ PUBLIC_URL: value }), [/PUBLIC_URL must be an https origin/], value);
  }
  t.same(problemsOf({ PUBLIC_URL: 'https://book.example.com:8443' }), []);
});

t.test('METRICS_TOKEN: optional, at least 32 visible characters, never echoed', async (t) => {
  t.equal(loadConfig({}).metricsToken, undefined);
  const token = 'a'.repeat(31) + 'Z';
  t.equal(loadConfig({ METRICS_TOKEN: token }).metricsToken, token);
  t.equal(loadConfig({ ...production, METRICS_TOKEN: token }, '/srv').metricsToken, token);
  for (const bad of [
    'tooShortToken31CharactersLong__',
    'has a space in the middle of it, so no good',
    'ünïcødé'.repeat(6),
  ]) {
    const problems = problemsOf({ METRICS_TOKEN: bad });
    t.same(problems, ['METRICS_TOKEN must be at least 32 visible ASCII characters without spaces']);
    t.notOk(problems.join('\n').includes(bad), 'the value is not echoed');
  }
});

t.test('OUTBOX_RETENTION_DAYS: 7 by default, 1 to 365', async (t) => {
  t.equal(loadConfig({}).outboxRetentionDays, 7);
  t.equal(loadConfig({ OUTBOX_RETENTION_DAYS: '1' }).outboxRetentionDays, 1);
  t.equal(loadConfig({ OUTBOX_RETENTION_DAYS: '365' }).outboxRetentionDays, 365);
  for (const bad of ['0', '366', '7.5', 'a week', '-1']) {
    t.match(problemsOf({ OUTBOX_RETENTION_DAYS: bad }), [
      /^OUTBOX_RETENTION_DAYS must be a whole number from 1 to 365/,
    ]);
  }
});

t.test('CREDIT_PACKS: credits:price-minor:currency entries, with defaults', async (t) => {
  t.same(loadConfig({}).creditPacks, [
    { credits: 100, price: { minor: 1500, currency: 'USD' } },
    { credits: 500, price: { minor: 6000, currency: 'USD' } },
    { credits: 2000, price: { minor: 20000, currency: 'USD' } },
  ]);
  t.same(loadConfig({ CREDIT_PACKS: '50:999:EUR, 1000:9900:EUR' }).creditPacks, [
    { credits: 50, price: { minor: 999, currency: 'EUR' } },
    { credits: 1000, price: { minor: 9900, currency: 'EUR' } },
  ]);
  for (const bad of [
    '100:15.00:USD',
    '100:1500',
    '0:1500:USD',
    '100:0:USD',
    '100:1500:usd',
    '100:1500:USD,',
    'ten:1:USD',
  ]) {
    t.match(
      problemsOf({ CREDIT_PACKS: bad }),
      [/^CREDIT_PACKS: entry ".*" must be credits:price-in-minor-units:CURRENCY/],
      bad,
    );
  }
  t.same(problemsOf({ CREDIT_PACKS: '100:1500:USD,100:1400:USD' }), ['CREDIT_PACKS: two packs of 100 credits in USD']);
  t.same(problemsOf({ CREDIT_PACKS: '100:1500:USD,100:1400:EUR' }), [], 'the same size in two currencies is fine');
});

t.test('CREDIT_LOW_BALANCE: 50 by default, a whole number from 0', async (t) => {
  t.equal(loadConfig({}).creditLowBalance, 50);
  t.equal(loadConfig({ CREDIT_LOW_BALANCE: '0' }).creditLowBalance, 0);
  t.equal(loadConfig({ CREDIT_LOW_BALANCE: '1000' }).creditLowBalance, 1000);
  for (const bad of ['-1', 'low', '2.5']) {
    t.match(problemsOf({ CREDIT_LOW_BALANCE: bad }), [/^CREDIT_LOW_BALANCE must be a whole number from 0/]);
  }
});

t.test('WAITLIST_OFFER_MINUTES: 15 by default, a whole number from 1 to 1440', async (t) => {
  t.equal(loadConfig({}).waitlistOfferMinutes, 15);
  t.equal(loadConfig({ WAITLIST_OFFER_MINUTES: '1' }).waitlistOfferMinutes, 1);
  t.equal(loadConfig({ WAITLIST_OFFER_MINUTES: '1440' }).waitlistOfferMinutes, 1440);
  for (const bad of ['0', '1441', '-5', 'soon', '2.5']) {
    t.match(problemsOf({ WAITLIST_OFFER_MINUTES: bad }), [
      /^WAITLIST_OFFER_MINUTES must be a whole number from 1 to 1440/,
    ]);
  }
});

t.test(
  'DEPOSIT_HOLD_MINUTES: 10 by default, 1 to 60; DEPOSIT_CURRENCY: USD by default, one Authorize.Net takes',
  async (t) => {
    t.match(loadConfig({}), { depositHoldMinutes: 10, depositCurrency: 'USD' });
    t.equal(loadConfig({ DEPOSIT_HOLD_MINUTES: '1' }).depositHoldMinutes, 1);
    t.equal(loadConfig({ DEPOSIT_HOLD_MINUTES: '60' }).depositHoldMinutes, 60);
    t.equal(loadConfig({ DEPOSIT_CURRENCY: 'GBP' }).depositCurrency, 'GBP');
    for (const bad of ['0', '61', 'soon', '2.5']) {
      t.match(problemsOf({ DEPOSIT_HOLD_MINUTES: bad }), [/^DEPOSIT_HOLD_MINUTES must be a whole number from 1 to 60/]);
    }
    for (const bad of ['usd', 'JPY', 'DOLLARS']) {
      t.match(problemsOf({ DEPOSIT_CURRENCY: bad }), [/^DEPOSIT_CURRENCY must be one of USD, CAD, GBP, EUR, AUD, NZD/]);
    }
  },
);

t.test('AUTHNET_*: all or nothing, hosts by environment or by override, secrets never echoed', async (t) => {
  const transactionKey = 'Tk9sEcret7Zq2Xw4';
  const signatureKey = 'AB'.repeat(64);
  const authnet = {
    AUTHNET_API_LOGIN_ID: '5KP3u95bQpv',
    AUTHNET_TRANSACTION_KEY: transactionKey,
    AUTHNET_CLIENT_KEY: '5FcB6WrfHGS76gHW3v7btBCE3HuuBuke9Pj96Ztfn5R32G5ep42vne7MCWZtAucY',
    AUTHNET_SIGNATURE_KEY: signatureKey,
  };
  t.equal(loadConfig({}).authnet, undefined, 'unset: no payments');

  const sandboxHosts = loadConfig({ ...production, ...authnet, AUTHNET_ENVIRONMENT: 'sandbox' }, '/srv').authnet;
  t.same(sandboxHosts, {
    apiLoginId: '5KP3u95bQpv',
    transactionKey,
    clientKey: authnet.AUTHNET_CLIENT_KEY,
    signatureKey,
    apiUrl: 'https://apitest.authorize.net/xml/v1/request.api',
    acceptUiUrl: 'https://jstest.authorize.net/v3/AcceptUI.js',
  });
  const live = loadConfig({ ...production, ...authnet, AUTHNET_ENVIRONMENT: 'production' }, '/srv').authnet;
  t.equal(live?.apiUrl, 'https://api.authorize.net/xml/v1/request.api');
  t.equal(live?.acceptUiUrl, 'https://js.authorize.net/v3/AcceptUI.js');
  const standIn = loadConfig(
    {
      ...production,
      ...authnet,
      AUTHNET_API_URL: 'http://127.0.0.1:9000/xml/v1/request.api',
      AUTHNET_ACCEPT_UI_URL: 'http://127.0.0.1:9000/v3/AcceptUI.js',
    },
    '/srv',
  ).authnet;
  t.equal(standIn?.apiUrl, 'http://127.0.0.1:9000/xml/v1/request.api', 'a loopback stand-in may be plain http');

  t.equal(
    loadConfig({ ...production, ...authnet, AUTHNET_ENVIRONMENT: 'sandbox' }, '/srv').sandbox,
    false,
    'a login id switches sandbox mode off',
  );

  t.same(problemsOf({ ...production, AUTHNET_API_LOGIN_ID: '5KP3u95bQpv', AUTHNET_ENVIRONMENT: 'sandbox' }), [
    'AUTHNET_API_LOGIN_ID, AUTHNET_TRANSACTION_KEY, AUTHNET_CLIENT_KEY and AUTHNET_SIGNATURE_KEY must be set together',
  ]);
  t.same(problemsOf({ ...production, ...authnet }), [
    'AUTHNET_ENVIRONMENT (sandbox or production) is required with AUTHNET_API_LOGIN_ID',
  ]);
  t.same(problemsOf({ ...production, ...authnet, AUTHNET_ENVIRONMENT: 'live' }), [
    'AUTHNET_ENVIRONMENT must be sandbox or production (got "live")',
  ]);
  t.same(problemsOf({ ...production, ...authnet, AUTHNET_API_URL: 'https://anet.example.com/xml/v1/request.api' }), [
    'AUTHNET_API_URL and AUTHNET_ACCEPT_UI_URL must be set together',
  ]);
  t.same(
    problemsOf({
      ...production,
      ...authnet,
      AUTHNET_API_URL: 'http://anet.example.com/xml/v1/request.api',
      AUTHNET_ACCEPT_UI_URL: 'https://anet.example.com/v3/AcceptUI.js',
    }),
    ['AUTHNET_API_URL must be an https URL (http only on loopback)'],
  );
  t.same(
    problemsOf({
      ...production,
      ...authnet,
      AUTHNET_ENVIRONMENT: 'sandbox',
      AUTHNET_API_URL: 'https://anet.example.com/xml/v1/request.api',
      AUTHNET_ACCEPT_UI_URL: 'https://anet.example.com/v3/AcceptUI.js',
    }),
    ['set AUTHNET_ENVIRONMENT or AUTHNET_API_URL with AUTHNET_ACCEPT_UI_URL, not both'],
  );

  const badTransactionKey = 'short-secret';
  const badSignatureKey = 'not-hex-signature-key-secret';
  const problems = problemsOf({
    ...production,
    ...authnet,
    AUTHNET_ENVIRONMENT: 'sandbox',
    AUTHNET_API_LOGIN_ID: 'a'.repeat(26),
    AUTHNET_TRANSACTION_KEY: badTransactionKey,
    AUTHNET_CLIENT_KEY: 'has spaces',
    AUTHNET_SIGNATURE_KEY: badSignatureKey,
  });
  t.same(problems, [
    'AUTHNET_API_LOGIN_ID must be 1 to 25 visible ASCII characters',
    'AUTHNET_TRANSACTION_KEY must be 16 visible ASCII characters',
    'AUTHNET_CLIENT_KEY must be the public client key: 16 to 128 letters and digits',
    'AUTHNET_SIGNATURE_KEY must be the 128 hex digit Signature Key',
  ]);
  for (const secret of [badTransactionKey, badSignatureKey, transactionKey, signatureKey]) {
    t.notOk(problems.join('\n').includes(secret), 'a secret is not echoed');
  }
});
