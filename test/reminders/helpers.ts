// An app with SMS reminders on a store, the emulated demo clinic as its org and the Twilio stand-in
// as Twilio, every log line captured. Builds again on the same store for restart tests.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig, type TwilioConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, type MasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import type { StoreConfig } from '../../service/src/store/open.ts';
import type { TwilioStandIn } from '../../service/src/sms/standin/server.ts';
import { saveEmulatorConnection } from '../helpers/org-emulator.ts';
import { waitFor } from '../helpers/process.ts';

export const FROM_NUMBER = '+15005550006';

export function twilioFor(standin: TwilioStandIn): TwilioConfig {
  return {
    accountSid: standin.accountSid,
    authToken: standin.authToken,
    messagingServiceSid: undefined,
    fromNumber: FROM_NUMBER,
    apiBaseUrl: standin.url,
  };
}

export interface ReminderAppOptions {
  creditAllowance?: number;
  masterKey: MasterKey;
}

export async function reminderApp(
  t: Test,
  store: StoreConfig,
  org: OrgEmulator,
  standin: TwilioStandIn,
  options: ReminderAppOptions,
): Promise<{ app: FastifyInstance; logs: string[] }> {
  const config = loadConfig({
    DATA_DIR: store.dataDir,
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    LOG_LEVEL: 'debug',
    SMS_CREDIT_ALLOWANCE: String(options.creditAllowance ?? 500),
    SMS_RATE_PER_SECOND: '200',
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([options.masterKey]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    twilio: twilioFor(standin),
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  const [connected] = await app.storeConnection.store.query('select 1 from org_connection');
  if (!connected) await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  return { app, logs };
}

/** A rule for every appointment: `offsetMinutes` before the start, sent at once if already past. */
export function addRule(org: OrgEmulator, offsetMinutes: number, template: string): string {
  const rule = org.insert('Slotwise_Reminder_Rule__c', {
    Name: `${offsetMinutes} minutes before`,
    Active__c: true,
    Audience__c: 'Patient',
    Offset_Minutes__c: offsetMinutes,
    Template__c: template,
    If_Past__c: 'Send Now',
  });
  return rule.Id as string;
}

/** No quiet hours to speak of, so a test's sends do not depend on the hour it runs at. */
export function minimalQuietHours(org: OrgEmulator): void {
  const [page] = org.records('Slotwise_Booking_Page__c');
  org.update('Slotwise_Booking_Page__c', page!.Id as string, {
    Quiet_Hours_Start__c: '00:00:00.000Z',
    Quiet_Hours_End__c: '00:01:00.000Z',
  });
}

export async function reminderStates(app: FastifyInstance): Promise<Record<string, number>> {
  const rows = await app.storeConnection.store.query<{ state: string; n: number }>(
    'select state, count(*)::int8 as n from sms_reminder group by state',
  );
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs);
}
