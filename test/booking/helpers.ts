// An app with the public booking API against the org emulator's demo clinic (the real schedule
// source reading it through the gateway), on PGlite or PostgreSQL, with every log line captured.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';
import { waitFor } from '../helpers/process.ts';

export const SLUG = 'riverside-clinic';
export const API = '/api/public/v1';

export interface BookingTestApp {
  app: FastifyInstance;
  org: OrgEmulator;
  ids: Map<string, string>;
  logs: string[];
}

export interface BookingAppOptions {
  /** Slotwise_Booking_Page__c.Cancellation_Cutoff_Hours__c (the demo clinic's: 24). */
  cutoffHours?: number;
  /** The class's Capacity__c (the demo clinic's: 6). */
  classCapacity?: number;
}

/** The app on `backend`, connected to a fresh emulated demo clinic; undefined when the backend is absent. */
export async function bookingApp(
  t: Test,
  backend: Backend,
  options: BookingAppOptions = {},
): Promise<BookingTestApp | undefined> {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const org = await startOrgEmulator(t);
  const { ids } = seedDemoClinic(org);
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'info',
    // The concurrency tests send hundreds of requests from one address.
    RATE_LIMIT_PER_MINUTE: '1000000',
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
  await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  if (options.cutoffHours !== undefined) {
    const [page] = org.records('Slotwise_Booking_Page__c');
    org.update('Slotwise_Booking_Page__c', page!.Id as string, { Cancellation_Cutoff_Hours__c: options.cutoffHours });
  }
  if (options.classCapacity !== undefined) {
    org.update('Slotwise_Appointment_Type__c', ids.get('TypeClassRef')!, { Capacity__c: options.classCapacity });
  }
  // The first load indexes the page's slug (sync does this for a newly connected org).
  await app.schedule.schedule(org.orgId);
  return { app, org, ids, logs };
}

/** A booking body for `start` that passes validation. */
export function bookingBody(typeId: string, start: string, overrides: Record<string, unknown> = {}) {
  return {
    typeId,
    start,
    timeZone: 'Europe/London',
    name: 'Jane Doe',
    phone: '07400 654321',
    email: 'jane.doe@example.com',
    smsConsent: true,
    locale: 'en-GB',
    ...overrides,
  };
}

/** The first free slot of a type in the next few days, as the API lists it. */
export async function firstSlot(app: FastifyInstance, typeId: string, skip = 0) {
  const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 12 * 86_400_000).toISOString().slice(0, 10);
  const response = await app.inject({
    url: `${API}/orgs/${SLUG}/types/${typeId}/slots?from=${from}&to=${to}&timeZone=Europe/London`,
  });
  const body = response.json() as { days: { slots: { start: string; seatsLeft: number }[] }[] };
  const slot = body.days.flatMap((day) => day.slots)[skip];
  if (!slot) throw new Error(`no free slot: ${response.body}`);
  return slot;
}

/** Waits until `condition` holds (e.g. an outbox write reached the org). */
export async function eventually(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  await waitFor(what, async () => (condition() ? true : undefined), timeoutMs);
}
