// The real app (buildApp, sandbox mode) on PGlite or PostgreSQL, its gateway pointed at an org
// emulator with the demo clinic, the org connected and given an API key: what the org's Apex calls.
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { issueApiKey } from '../../service/src/org/api-keys.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OutboxWrite } from '../../service/src/outbox/outbox.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { TestClock, saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';

export const USER = '005000000000001AAA';
export const APPOINTMENT = 'Slotwise_Appointment__c';

export async function orgApiApp(t: Test, backend: Backend) {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now });
  const demo = seedDemoClinic(org, clock.now());
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'info',
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  await saveEmulatorConnection(store, app.envelope, org);
  const { key } = await issueApiKey(store, org.orgId);

  /** Headers of a call from the org's Apex. */
  const headers = (userId = USER, apiKey = key) => ({ 'x-slotwise-api-key': apiKey, 'x-slotwise-user-id': userId });

  /** An appointment upsert the emulator accepts (unless a fault is injected). */
  const appointment = (bookingKey: string): OutboxWrite => ({
    orgId: org.orgId,
    sobject: APPOINTMENT,
    operation: 'upsert',
    externalIdField: 'Booking_Key__c',
    externalId: bookingKey,
    fields: {
      Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
      Resource__c: demo.ids.get('ResourcePatelRef'),
      Start__c: '2026-04-01T09:00:00Z',
      End__c: '2026-04-01T09:30:00Z',
    },
  });

  return { app, store, org, key, logs, headers, appointment };
}
