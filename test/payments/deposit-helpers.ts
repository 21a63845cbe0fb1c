// Two ways to test deposits. `depositHarness`: the deposit service over a real store (PGlite or
// PostgreSQL), the real booking service and the Authorize.Net stand-in with the real client, with
// an in-memory clinic as the schedule source and an in-memory org (one resource working 09:00-17:00
// London time on weekdays, a one-hour type with a deposit charged at booking and one authorized
// then captured) and the test's clock. `depositApp`: the real app with the org emulator's demo
// clinic and the stand-in as Authorize.Net.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { createLogger } from '../../service/src/logger.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { loadTls } from '../../service/src/tls.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { createBookingService } from '../../service/src/booking/service.ts';
import type { BusyInterval, EpochMs } from '../../service/src/availability/types.ts';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createDepositService, type DepositService } from '../../service/src/deposits/service.ts';
import { deliverOutbox } from '../../service/src/outbox/outbox.ts';
import { createAuthNetClient } from '../../service/src/payments/authnet/client.ts';
import type { CardEntry } from '../../service/src/payments/authnet/standin/cards.ts';
import { startAuthNetStandIn, type AuthNetStandIn } from '../../service/src/payments/authnet/standin/server.ts';
import { SalesforceError, type OrgApi, type SalesforceRecord } from '../../service/src/salesforce/org-api.ts';
import type { OrgSchedule, PublicAppointmentType, ScheduleSource } from '../../service/src/schedule/types.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { saveEmulatorConnection, startOrgEmulator, TestClock } from '../helpers/org-emulator.ts';

export const ORG = '00D000000000001AAA';
export const PAID_TYPE = 'a01000000000001AAA';
export const AUTH_TYPE = 'a01000000000002AAA';
export const RESOURCE = 'a02000000000001AAA';
export const SLUG = 'clinic';
export const ZONE = 'Europe/London';
/** Monday 2 March 2026, noon in London (GMT). */
export const START = '2026-03-02T12:00:00.000Z';
/** Ten days on, a Thursday at 10:00 GMT: well before its 24-hour cutoff. */
export const SLOT = '2026-03-12T10:00:00.000Z';
export const MINUTE = 60_000;
export const HOLD_MS = 10 * MINUTE;
export const GOOD_CARD: CardEntry = {
  cardNumber: '4111111111111111',
  expirationDate: '12/35',
  cardCode: '123',
  zip: '10001',
};

const LOGIN = 'standin-login';
const TRANSACTION_KEY = 'standinTxKey1234';

function type(id: string, name: string, depositCapture: 'at_booking' | 'authorize'): PublicAppointmentType {
  return {
    id,
    name,
    slug: name.toLowerCase().replaceAll(' ', '-'),
    description: '',
    price: 75,
    deposit: 20,
    depositCapture,
    durationMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    slotIntervalMinutes: 60,
    minimumNoticeMinutes: 0,
    horizonDays: 60,
    capacity: 1,
    resourceIds: [RESOURCE],
  };
}

export class FakeClinic implements ScheduleSource {
  readonly busy: (BusyInterval & { bookingKey: string | null })[] = [];
  readonly schedule_: OrgSchedule = {
    orgId: ORG,
    page: {
      orgId: ORG,
      slug: SLUG,
      name: 'Riverside Clinic',
      brandColor: '#1B5FA8',
      defaultTimeZone: ZONE,
      cancellationCutoffHours: 24,
      contactMatching: 'match-only',
      consentText: 'I agree to texts.',
      consentTextVersion: '2026-01',
    },
    types: [type(PAID_TYPE, 'Initial Assessment', 'at_booking'), type(AUTH_TYPE, 'Sports Massage', 'authorize')],
    staffOnlyTypes: [],
    resources: new Map([
      [
        RESOURCE,
        {
          id: RESOURCE,
          name: 'Dr Okafor',
          timeZone: ZONE,
          rules: ([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, startTime: '09:00', endTime: '17:00' })),
          exceptions: [],
        },
      ],
    ]),
  };
  async orgIdForSlug(slug: string) {
    return slug === SLUG ? ORG : null;
  }
  async schedule() {
    return this.schedule_;
  }
  async appointmentBusy(_orgId: string, _resources: readonly string[], from: EpochMs, to: EpochMs) {
    return this.busy.filter((interval) => interval.start < to && interval.end > from);
  }
  invalidate(): void {}
}

/** The org: appointments upserted by booking key, updates recorded; `taken` makes the time busy there. */
export class FakeOrg implements OrgApi {
  readonly appointments = new Map<string, Record<string, unknown>>();
  readonly updates: { id: string; fields: Record<string, unknown> }[] = [];
  /** The org's calendar has every time (someone booked it in Salesforce). */
  taken = false;
  /** Every write fails as if the org could not be reached. */
  down = false;

  async query<T extends SalesforceRecord>(_orgId: string, soql: string): Promise<T[]> {
    if (this.down) throw new SalesforceError('NETWORK_ERROR', 'down', true);
    const byKey = /Booking_Key__c = '([^']+)'/.exec(soql);
    if (byKey) {
      const record = this.appointments.get(byKey[1]!);
      return (record ? [{ Id: record.Id, Status__c: record.Status__c }] : []) as unknown as T[];
    }
    if (soql.includes('FROM Slotwise_Appointment__c') && this.taken) {
      // An appointment staff made in Salesforce over every time of the test.
      const busy = { Id: 'a03busy', Booking_Key__c: null, Appointment_Type__c: PAID_TYPE };
      return [{ ...busy, Start__c: '2026-01-01T00:00:00.000Z', End__c: '2027-01-01T00:00:00.000Z' }] as unknown as T[];
    }
    return [];
  }
  async queryAll<T extends SalesforceRecord>(orgId: string, soql: string): Promise<T[]> {
    return this.query<T>(orgId, soql);
  }
  async create(): Promise<string> {
    return 'a04000000000001AAA';
  }
  async update(_orgId: string, _sobject: string, id: string, fields: Record<string, unknown>): Promise<void> {
    this.updates.push({ id, fields });
    for (const record of this.appointments.values()) if (record.Id === id) Object.assign(record, fields);
  }
  async upsert(_orgId: string, _sobject: string, _field: string, key: string, fields: Record<string, unknown>) {
    if (this.down) throw new SalesforceError('NETWORK_ERROR', 'down', true);
    const existing = this.appointments.get(key);
    const id = (existing?.Id as string | undefined) ?? `a05${String(this.appointments.size).padStart(15, '0')}`;
    this.appointments.set(key, { ...existing, ...fields, Id: id });
    return { id, created: !existing };
  }
  usage() {
    return undefined;
  }
}

export interface DepositHarness {
  store: Store;
  clock: TestClock;
  clinic: FakeClinic;
  org: FakeOrg;
  standin: AuthNetStandIn;
  deposits: DepositService;
  booking: ReturnType<typeof createBookingService>;
  logs: string[];
  /** A nonce for `card`, as AcceptUI would hand the page one. */
  nonce(card?: CardEntry): string;
  /** The payment link of a fresh hold of `start` (of `typeId`), as the details step makes it. */
  hold(start?: string, typeId?: string, key?: string): Promise<string>;
  /** Delivers the outbox to the fake org (the payment status updates). */
  deliver(): Promise<void>;
  /** Charge requests the stand-in received (authorize-and-capture or authorize-only). */
  charges(): number;
}

export interface HarnessOptions {
  /** The client's timeout (ms): a slow stand-in answer past it is `ambiguous`. */
  timeoutMs?: number;
  /** How long a lost answer is waited for before "not found" is final. */
  settleMs?: number;
}

/** Migrates `store`, adds the org, starts the stand-in and builds the services over them. */
export async function depositHarness(t: Test, store: Store, options: HarnessOptions = {}): Promise<DepositHarness> {
  await migrate(store);
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext,
       api_version) values ($1, 'https://x.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [ORG],
  );
  const clock = new TestClock(START);
  const clinic = new FakeClinic();
  const org = new FakeOrg();
  const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')]));
  const key = Buffer.alloc(32, 7);
  const standin = await startAuthNetStandIn({
    apiLoginId: LOGIN,
    transactionKey: TRANSACTION_KEY,
    clientKey: 'standin-public-client-key',
    now: () => clock.now().getTime(),
  });
  t.teardown(() => standin.close());
  const client = createAuthNetClient({
    apiLoginId: LOGIN,
    transactionKey: TRANSACTION_KEY,
    endpoint: standin.endpoint,
    timeoutMs: options.timeoutMs ?? 3000,
    duplicateWindowSeconds: 120,
  });
  const logs: string[] = [];
  const log = {
    info: (obj: object, msg: string) => void logs.push(JSON.stringify({ ...obj, msg })),
    warn: (obj: object, msg: string) => void logs.push(JSON.stringify({ ...obj, msg })),
  };
  const common = {
    store: () => store,
    envelope,
    orgApi: () => org,
    schedule: () => clinic,
    wakeOutbox: async () => {},
    signingKey: async () => key,
    now: clock.now,
    log,
  };
  const booking = createBookingService({ ...common, paysDeposit: (candidate) => deposits.required(candidate) });
  const deposits = createDepositService({
    ...common,
    booking: () => booking,
    client: () => client,
    currency: 'USD',
    holdMs: HOLD_MS,
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
  });
  let keys = 0;
  return {
    store,
    clock,
    clinic,
    org,
    standin,
    deposits,
    booking,
    logs,
    nonce: (card = GOOD_CARD) => standin.mintNonce(card).dataValue,
    async hold(start = SLOT, typeId = PAID_TYPE, idempotencyKey = `details-key-${++keys}-0000`) {
      // A millisecond apart, so the latest hold is the latest row.
      clock.advance(1);
      const { token } = await deposits.hold(SLUG, {
        typeId,
        start,
        timeZone: ZONE,
        name: 'Jane Doe',
        phone: '07400 654321',
        email: 'jane.doe@example.com',
        smsConsent: true,
        locale: 'en-GB',
        idempotencyKey,
      });
      return token;
    },
    async deliver() {
      await deliverOutbox({ store, envelope, orgApi: org, now: clock.now }, ORG);
    },
    charges: () =>
      standin.requests.filter((request) => {
        const tx = (request.body.createTransactionRequest as { transactionRequest?: { transactionType?: string } })
          ?.transactionRequest;
        return tx?.transactionType === 'authCaptureTransaction' || tx?.transactionType === 'authOnlyTransaction';
      }).length,
  };
}

/** The latest deposit. */
export async function depositRow(store: Store) {
  const [row] = await store.query<{
    state: string;
    trans_id: string | null;
    patient_ciphertext: Buffer | null;
    amount_minor: number;
  }>('select state, trans_id, patient_ciphertext, amount_minor from deposit order by created_at desc limit 1');
  return row;
}

export async function bookingState(store: Store) {
  const [row] = await store.query<{ state: string }>('select state from booking order by created_at desc limit 1');
  return row?.state;
}

export interface DepositAppOptions {
  /** The payment window (default 10 minutes). */
  holdMs?: number;
  /** Listen over HTTPS on 127.0.0.1 (the sandbox's self-signed certificate), as a browser needs. */
  https?: boolean;
  /** Called before the app is ready: hooks a test adds (the card leak recorder). */
  prepare?: (app: FastifyInstance) => void | Promise<void>;
}

/**
 * The real app (buildApp) on `backend` with the org emulator's demo clinic (its Initial Assessment
 * asks for a deposit of 20, charged at booking) and the Authorize.Net stand-in as Authorize.Net.
 */
export async function depositApp(t: Test, backend: Backend, options: DepositAppOptions = {}) {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const org = await startOrgEmulator(t);
  const { ids } = seedDemoClinic(org);
  const standin = await startAuthNetStandIn({
    apiLoginId: LOGIN,
    transactionKey: TRANSACTION_KEY,
    clientKey: 'standin-public-client-key',
  });
  t.teardown(() => standin.close());
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: options.https ? await loadTls(config) : undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    authnet: {
      apiLoginId: LOGIN,
      transactionKey: TRANSACTION_KEY,
      clientKey: 'standin-public-client-key',
      signatureKey: 'AB'.repeat(64),
      apiUrl: standin.endpoint,
      acceptUiUrl: `${standin.origin}/v3/AcceptUI.js`,
    },
    authnetTimeoutMs: 3000,
    ...(options.holdMs ? { deposits: { holdMs: options.holdMs } } : {}),
  });
  t.teardown(() => app.close());
  await options.prepare?.(app);
  const origin = options.https ? await app.listen({ host: '127.0.0.1', port: 0 }) : (await app.ready(), '');
  await app.storeConnection.whenReady();
  await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  // The first load indexes the page's slug (sync does this for a newly connected org).
  await app.schedule.schedule(org.orgId);
  return { app, org, ids, standin, logs, origin };
}
