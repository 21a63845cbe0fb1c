import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { createDatabase } from './backends.ts';
import { buildApp } from '../service/src/app.ts';
import { loadConfig } from '../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey, type MasterKey } from '../service/src/crypto/key-provider.ts';
import { createLogger } from '../service/src/logger.ts';
import { saveConnection } from '../service/src/org/connections.ts';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import { OrgEmulator } from '../service/src/salesforce/emulator/server.ts';
import { DEFAULT_API_VERSION } from '../service/src/salesforce/gateway.ts';
import { createSmsApi } from '../service/src/sms/sender.ts';
import { TwilioStandIn } from '../service/src/sms/standin/server.ts';
import { createTwilioClient } from '../service/src/sms/twilio-client.ts';
import type { Cleanup } from './cleanup.ts';
import type { BackendName, BenchConfig } from './config.ts';
import type { ResultRow } from './results.ts';
import { throughput } from './stats.ts';

const MINUTE = 60_000;
const FROM = '+15005550006';
/** The reminders' dispatch lanes (the plugin's default): passes that may run at once across instances. */
const LANES = 2;
/** The most SMS_RATE_PER_SECOND allows, so the shared rate limit paces as little as it can. */
const RATE_PER_SECOND = 1_000;

/**
 * Reminder dispatch throughput to the Twilio stand-in: `smsReminders` reminders planned by sync,
 * then made due at once (the reminders' clock moves an hour on) and timed until every one is sent,
 * by one instance, and on PostgreSQL by two sharing the database (PGlite is one process's store).
 * The baseline, in the same run: the same number of messages through the same SDK client to the
 * same stand-in, from LANES loops at once and no store, which is what dispatch adds to.
 */
export async function benchSms(name: BackendName, config: BenchConfig, cleanup: Cleanup): Promise<ResultRow[]> {
  const standin = new TwilioStandIn({ statusStepMs: 60 * MINUTE });
  await standin.start();
  cleanup.add('close the Twilio stand-in', () => standin.close());

  const baseline = await rawSendLoops(standin, config.smsReminders);
  const baselineRow: ResultRow = {
    backend: name,
    measure: `raw SDK sends to the stand-in, ${LANES} loops, no store`,
    unit: 'ops/s',
    summary: { count: config.smsReminders, opsPerSecond: baseline },
    note: 'createSmsApi over the Twilio SDK client, the same stand-in and sender; no store, org or rate limit.',
  };
  const rows: ResultRow[] = [baselineRow];
  for (const instances of name === 'postgres' ? [1, 2] : [1]) {
    const sent = await dispatchRun(name, config, cleanup, standin, instances);
    rows.push({
      backend: name,
      measure: `reminders dispatched to the stand-in, ${instances} instance${instances > 1 ? 's' : ''}`,
      unit: 'ops/s',
      summary: { count: config.smsReminders, opsPerSecond: sent },
      baseline: { row: baselineRow, basis: 'throughput' },
      note:
        `from due to sent: claims (skip locked), the org read per batch, opt-out check, rate-limit slot ` +
        `(${RATE_PER_SECOND}/s), attempt and credits stored before the send, the result after; ${LANES} lanes.`,
    });
  }
  return rows;
}

/** Messages per second from LANES concurrent send loops straight through the SDK client. */
async function rawSendLoops(standin: TwilioStandIn, total: number): Promise<number> {
  const sms = createSmsApi({
    client: createTwilioClient({
      credentials: { accountSid: standin.accountSid, authToken: standin.authToken },
      baseUrl: standin.url,
      timeoutMs: 10_000,
    }),
  });
  let next = 0;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      const result = await sms.sendSms({
        from: FROM,
        to: phoneOf(900_000 + i),
        body: 'Hi Sam, see you tomorrow at 10:00 at Riverside Clinic.',
        statusCallback: 'http://127.0.0.1:9/webhooks/twilio/status?message=1',
        validityPeriodSeconds: 3_600,
      });
      if (result.kind !== 'sent') throw new Error(`the baseline send was not accepted (${result.kind})`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: LANES }, loop));
  return throughput(total, performance.now() - started);
}

/** Reminders per second from the moment they are due until all are sent, by `instances` apps. */
async function dispatchRun(
  name: BackendName,
  config: BenchConfig,
  cleanup: Cleanup,
  standin: TwilioStandIn,
  instances: number,
): Promise<number> {
  const total = config.smsReminders;
  const org = new OrgEmulator();
  await org.start();
  cleanup.add('close the org emulator', () => org.close());
  seedDemoClinic(org);
  for (const rule of org.records('Slotwise_Reminder_Rule__c')) {
    org.update('Slotwise_Reminder_Rule__c', rule.Id as string, { Active__c: false });
  }
  org.insert('Slotwise_Reminder_Rule__c', {
    Name: 'One hour before',
    Active__c: true,
    Audience__c: 'Patient',
    Offset_Minutes__c: 60,
    Template__c: 'Hi {FirstName}, see you {Time} at {OrgName}.',
    If_Past__c: 'Skip',
  });
  // The reminders' clock: a London noon (no quiet hours), moved on an hour to make them all due.
  const clock = noonClock('Europe/London');
  const [type] = org.records('Slotwise_Appointment_Type__c');
  const [resource] = org.records('Slotwise_Resource__c');
  const start = clock.now().getTime() + 90 * MINUTE;
  for (let i = 0; i < total; i++) {
    org.insert('Slotwise_Appointment__c', {
      Appointment_Type__c: type!.Id,
      Resource__c: resource!.Id,
      Start__c: new Date(start + (i % 10) * MINUTE).toISOString(),
      End__c: new Date(start + (i % 10) * MINUTE + 30 * MINUTE).toISOString(),
      Status__c: 'Scheduled',
      Time_Zone__c: 'Europe/London',
      Patient_Name__c: 'Sam Patel',
      Patient_Phone__c: phoneOf(instances * 100_000 + i),
      SMS_Consent__c: true,
    });
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'slotwise-bench-sms-'));
  cleanup.add(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const databaseUrl = name === 'postgres' ? await createDatabase(config.postgresUrl, cleanup) : undefined;
  const masterKey = generateMasterKey('bench-1');
  const apps: FastifyInstance[] = [];
  for (let i = 0; i < instances; i++) {
    apps.push(await reminderApp(dataDir, databaseUrl, org, standin, masterKey, clock.now, cleanup));
  }
  const store = apps[0]!.storeConnection.store;
  const count = async (state: string) =>
    Number(
      (await store.query<{ n: number }>('select count(*)::int8 as n from sms_reminder where state = $1', [state]))[0]!
        .n,
    );

  await apps[0]!.sync.start(org.orgId);
  await poll(`${total} reminders planned`, async () => (await count('planned')) >= total, 120_000);
  const before = standin.messages().length;
  const started = performance.now();
  clock.advance(60 * MINUTE);
  await Promise.all(apps.map((app) => app.reminders.wake()));
  await poll(`${total} reminders sent`, async () => (await count('sent')) >= total, 600_000);
  const elapsed = performance.now() - started;
  const sent = standin.messages().length - before;
  if (sent !== total) throw new Error(`the stand-in accepted ${sent} messages for ${total} reminders`);
  // Closed now so the next run is measured alone (cleanup closes them again on failure: no-ops then).
  for (const app of apps) await app.close();
  return throughput(total, elapsed);
}

async function reminderApp(
  dataDir: string,
  databaseUrl: string | undefined,
  org: OrgEmulator,
  standin: TwilioStandIn,
  masterKey: MasterKey,
  now: () => Date,
  cleanup: Cleanup,
): Promise<FastifyInstance> {
  const appConfig = loadConfig({
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    SMS_RATE_PER_SECOND: String(RATE_PER_SECOND),
    SMS_CREDIT_ALLOWANCE: '100000000',
  });
  const app = await buildApp(appConfig, {
    logger: createLogger('warn', { write: () => {} }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([masterKey]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    twilio: {
      accountSid: standin.accountSid,
      authToken: standin.authToken,
      messagingServiceSid: undefined,
      fromNumber: FROM,
      apiBaseUrl: standin.url,
    },
    reminderClock: now,
  });
  cleanup.add('close a reminders app', () => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  const [connected] = await app.storeConnection.store.query('select 1 from org_connection');
  if (!connected) {
    await saveConnection(
      app.storeConnection.store,
      app.envelope,
      {
        orgId: org.orgId,
        instanceUrl: org.url,
        loginHost: new URL(org.url).host,
        integrationUserId: org.integrationUserId,
        refreshToken: org.issueSession().refreshToken!,
        apiVersion: DEFAULT_API_VERSION,
      },
      { allowLocalEmulator: true },
    );
  }
  return app;
}

/** Real time, shifted back to the latest noon in `timeZone`; `advance` moves it on. */
function noonClock(timeZone: string): { now: () => Date; advance(ms: number): void } {
  const realNow = Date.now();
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(realNow);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const sinceMidnight = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000;
  // Back to 12:00 today, or yesterday's before noon (a DST change in between moves it by an hour:
  // still mid-afternoon at worst).
  let offset = 12 * 60 * MINUTE - sinceMidnight;
  if (offset > 0) offset -= 24 * 60 * MINUTE;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => void (offset += ms),
  };
}

/** +447911000000 + n: distinct valid UK mobile numbers. */
function phoneOf(n: number): string {
  return `+${447911000000 + n}`;
}

async function poll(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
