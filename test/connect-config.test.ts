import t from 'tap';
import { ConfigError, loadConfig } from '../service/src/config.ts';

t.test('Salesforce connected app variables', async (t) => {
  const sandbox = loadConfig({});
  t.equal(sandbox.salesforce, undefined);
  t.equal(sandbox.salesforceApiVersion, '65.0');

  const real = loadConfig({
    SALESFORCE_CLIENT_ID: 'id',
    SALESFORCE_CLIENT_SECRET: 'secret',
    SALESFORCE_API_VERSION: '64.0',
    TRUST_PROXY: 'true',
    PUBLIC_URL: 'https://book.example.com',
    ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
  });
  t.same(real.salesforce, { clientId: 'id', clientSecret: 'secret' });
  t.equal(real.salesforceApiVersion, '64.0');

  t.throws(
    () => loadConfig({ SALESFORCE_CLIENT_SECRET: 'secret' }),
    new ConfigError(['SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET must be set together']),
  );
  try {
    loadConfig({ SALESFORCE_API_VERSION: 'v65' });
    t.fail('expected a ConfigError');
  } catch (error) {
    t.type(error, ConfigError);
    t.match((error as ConfigError).problems, [/SALESFORCE_API_VERSION must look like 65.0/]);
  }
});
