import t from 'tap';
import { ConfigError, loadConfig } from '../../service/src/config.ts';

const BASE = { DATA_DIR: '/tmp/slotwise-config-test' };
const SID = 'AC' + 'a'.repeat(32);
const TOKEN = 'secret-auth-token-value';

t.test('SMS settings: defaults, and Twilio all or nothing', async (t) => {
  const none = loadConfig(BASE);
  t.equal(none.twilio, undefined, 'no Twilio variables: no reminders');
  t.equal(none.smsRatePerSecond, 10);
  t.equal(none.smsCreditAllowance, 500);

  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig({
        ...BASE,
        TRUST_PROXY: 'true',
        ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
        ...env,
      });
      return [];
    } catch (error) {
      t.type(error, ConfigError);
      return (error as ConfigError).message;
    }
  };
  t.match(problemsOf({ TWILIO_ACCOUNT_SID: SID }), /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together/);
  t.match(
    problemsOf({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN }),
    /exactly one of TWILIO_MESSAGING_SERVICE_SID/,
  );
  t.match(
    problemsOf({
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_MESSAGING_SERVICE_SID: 'MG' + 'b'.repeat(32),
    }),
    /exactly one/,
  );
  t.match(
    problemsOf({ TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBER: '+15005550006' }),
    /AC followed/,
  );
  t.match(problemsOf({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBER: '0711' }), /E\.164/);
  const message = problemsOf({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN });
  t.notOk(String(message).includes(TOKEN), 'the token is never echoed');
  t.match(problemsOf({ SMS_RATE_PER_SECOND: '0' }), /SMS_RATE_PER_SECOND/);

  const ok = loadConfig({
    ...BASE,
    PUBLIC_URL: 'https://slotwise.example',
    TRUST_PROXY: 'true',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_MESSAGING_SERVICE_SID: 'MG' + 'b'.repeat(32),
    TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
    SMS_CREDIT_ALLOWANCE: '0',
  });
  t.same(ok.twilio, {
    accountSid: SID,
    authToken: TOKEN,
    messagingServiceSid: 'MG' + 'b'.repeat(32),
    fromNumber: undefined,
    apiBaseUrl: 'http://127.0.0.1:4010',
  });
  t.equal(ok.smsCreditAllowance, 0);
  t.notOk(ok.sandbox, 'Twilio credentials end sandbox mode');
});
