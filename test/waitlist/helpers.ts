// The whole app with the waitlist: the emulated demo clinic as its org, the Twilio stand-in as
// Twilio, on PGlite or PostgreSQL, every log line captured. The clinic gains a type with exactly
// one slot: "Waitlist Visit", one hour, in a room open only 10:00-11:00 UTC three days from now.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import type { TwilioStandIn } from '../../service/src/sms/standin/server.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';
import { waitFor } from '../helpers/process.ts';
import { twilioFor } from '../reminders/helpers.ts';
import { startStandIn } from '../sms/helpers.ts';

export const SLUG = 'riverside-clinic';
export const API = '/api/public/v1';
export const PATIENT_A = '+447400654321';
export const PATIENT_B = '+447400123456';
export const PATIENT_C = '+447911123456';

export interface WaitlistTestApp {
  app: FastifyInstance;
  org: OrgEmulator;
  standin: TwilioStandIn;
  logs: string[];
  typeId: string;
  /** The one slot's start, ISO UTC. */
  slot: string;
  /** Its date, which is the same local date in every zone `daytimeZone` picks from. */
  day: string;
  /** A zone where it is daytime now, so offers are not held back by quiet hours. */
  zone: string;
}

/**
 * Zones whose offsets are never more than a few hours apart round the clock: one of them is in
 * daytime whenever a test runs. 10:00 UTC is the same date in each.
 */
const ZONES = ['America/Los_Angeles', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo'];

/** The zone whose local time now is closest to 14:00, well clear of the 21:00-08:00 quiet hours. */
export function daytimeZone(now = new Date()): string {
  const distance = (zone: string) => {
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(now),
    );
    return Math.abs(hour - 14);
  };
  return [...ZONES].sort((a, b) => distance(a) - distance(b))[0]!;
}

export async function waitlistApp(
  t: Test,
  backend: Backend,
  options: { offerMs?: number } = {},
): Promise<WaitlistTestApp | undefined> {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const org = await startOrgEmulator(t);
  seedDemoClinic(org);
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const slot = `${day}T10:00:00.000Z`;
  const room = org.insert('Slotwise_Resource__c', {
    Name: 'Room W',
    Kind__c: 'Room',
    Time_Zone__c: 'Europe/London',
    Active__c: true,
  }).Id as string;
  const typeId = org.insert('Slotwise_Appointment_Type__c', {
    Name: 'Waitlist Visit',
    Duration_Minutes__c: 60,
    Buffer_Before_Minutes__c: 0,
    Buffer_After_Minutes__c: 0,
    Slot_Interval_Minutes__c: 60,
    Minimum_Notice_Minutes__c: 60,
    Booking_Horizon_Days__c: 30,
    Capacity__c: 1,
    Active__c: true,
    Public__c: true,
    Slug__c: 'waitlist-visit',
    Description__c: 'One slot only.',
  }).Id as string;
  org.insert('Slotwise_Resource_Type__c', { Resource__c: room, Appointment_Type__c: typeId });
  org.insert('Slotwise_Availability_Exception__c', {
    Resource__c: room,
    Kind__c: 'Extra Hours',
    Start__c: slot,
    End__c: `${day}T11:00:00.000Z`,
    Reason__c: 'One slot',
  });

  const standin = await startStandIn(t, { statusStepMs: 5 });
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'debug',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    twilio: twilioFor(standin),
    ...(options.offerMs ? { waitlistOfferMs: options.offerMs } : {}),
  });
  t.teardown(() => app.close());
  await app.ready();
  await app.storeConnection.whenReady();
  await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  // The first load indexes the page's slug (sync does this for a newly connected org).
  await app.schedule.schedule(org.orgId);
  return { app, org, standin, logs, typeId, slot, day, zone: daytimeZone() };
}

/** Books the one slot through the public API as `phone`; the booking's manage tokens. */
export async function book(env: WaitlistTestApp, phone: string, key: string) {
  return env.app.inject({
    method: 'POST',
    url: `${API}/orgs/${SLUG}/bookings`,
    headers: { 'idempotency-key': key },
    payload: {
      typeId: env.typeId,
      start: env.slot,
      timeZone: env.zone,
      name: 'Ann Early',
      phone,
      smsConsent: true,
      locale: 'en-GB',
    },
  });
}

/** The texts the stand-in accepted for `phone`. */
export function textsTo(standin: TwilioStandIn, phone: string): string[] {
  return standin
    .messages()
    .filter((message) => message.to === phone)
    .map((message) => message.body);
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs);
}

/** The app's log lines of these components, for a failing wait's message. */
export function componentLogs(logs: string[], components: string[]): string {
  return logs.filter((line) => components.some((component) => line.includes(`"component":"${component}"`))).join('\n');
}

/** The link's token in a waitlist text. */
export function offerToken(body: string): string {
  const token = /\/waitlist\/offer\?token=([A-Za-z0-9_-]+)/.exec(body)?.[1];
  if (!token) throw new Error('no offer link in the text');
  return token;
}
