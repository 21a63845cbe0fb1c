// An app with SMS reminders on a store, the emulated demo clinic as its org and the Twilio stand-in
// as Twilio, every log line captured. Builds again on the same store for restart tests.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { Temporal } from 'temporal-polyfill';
import { buildApp, type AppDependencies } from '../../service/src/app.ts';
import { loadConfig, type TwilioConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, type MasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import type { StoreConfig } from '../../service/src/store/open.ts';
import type { TwilioStandIn } from '../../service/src/sms/standin/server.ts';
import { syncOrg } from '../../service/src/sync/sync.ts';
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

/** The demo clinic's appointments are in London. */
export const DEMO_ZONE = 'Europe/London';

/**
 * The reminders' clock: real time moving, shifted back to the most recent noon in `timeZone`, so a
 * test's sends never meet quiet hours (21:00-08:00 at least) whatever the hour it runs at, and
 * appointments seeded ahead of the real time are still ahead. `advance` jumps it forward.
 */
export class DaytimeClock {
  #offsetMs: number;

  constructor(timeZone = DEMO_ZONE, realNow = Date.now()) {
    const here = Temporal.Instant.fromEpochMilliseconds(realNow).toZonedDateTimeISO(timeZone);
    let noon = here.withPlainTime({ hour: 12 });
    if (Temporal.ZonedDateTime.compare(noon, here) > 0) noon = noon.subtract({ days: 1 });
    this.#offsetMs = noon.epochMilliseconds - realNow;
  }

  now = (): Date => new Date(Date.now() + this.#offsetMs);

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

export interface ReminderAppOptions {
  creditAllowance?: number;
  masterKey: MasterKey;
  /** SMS_RATE_PER_SECOND. Default 200. */
  ratePerSecond?: number;
  /** Dispatch tuning (the service's defaults when absent). */
  dispatch?: AppDependencies['reminderDispatch'];
  /** Default: a DaytimeClock in the demo clinic's zone. */
  clock?: DaytimeClock;
}

export async function reminderApp(
  t: Test,
  store: StoreConfig,
  org: OrgEmulator,
  standin: TwilioStandIn,
  options: ReminderAppOptions,
): Promise<{ app: FastifyInstance; logs: string[]; clock: DaytimeClock }> {
  const config = loadConfig({
    DATA_DIR: store.dataDir,
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    LOG_LEVEL: 'debug',
    SMS_CREDIT_ALLOWANCE: String(options.creditAllowance ?? 500),
    SMS_RATE_PER_SECOND: String(options.ratePerSecond ?? 200),
  });
  const logs: string[] = [];
  const clock = options.clock ?? new DaytimeClock();
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([options.masterKey]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    twilio: twilioFor(standin),
    reminderClock: clock.now,
    ...(options.dispatch ? { reminderDispatch: options.dispatch } : {}),
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  const [connected] = await app.storeConnection.store.query('select 1 from org_connection');
  if (!connected) await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  return { app, logs, clock };
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

export async function reminderStates(app: FastifyInstance): Promise<Record<string, number>> {
  const rows = await app.storeConnection.store.query<{ state: string; n: number }>(
    'select state, count(*)::int8 as n from sms_reminder group by state',
  );
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs);
}

/** One sync tick now, as the org's sync job would run it (its own next tick may be a minute away). */
export async function syncNow(app: FastifyInstance, orgId: string): Promise<void> {
  const deps = { store: app.storeConnection.store, orgApi: app.orgApi, bus: app.sync.bus, now: () => new Date() };
  await syncOrg(deps, orgId);
}
