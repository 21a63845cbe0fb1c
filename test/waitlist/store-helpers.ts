// The waitlist service over a real store and the real booking service (its slots and holds), with
// an in-memory clinic as the schedule source: one resource that works 10:00-11:00 London time on
// weekdays, one one-hour type, so each working day has exactly one slot. Texts are recorded, not
// sent; the clock is the test's.
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createBookingService } from '../../service/src/booking/service.ts';
import type { BusyInterval, EpochMs } from '../../service/src/availability/types.ts';
import type { OrgSchedule, PublicAppointmentType, ScheduleSource } from '../../service/src/schedule/types.ts';
import type { ReplyOutcome } from '../../service/src/sms/replies.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { createWaitlistService, type WaitlistService } from '../../service/src/waitlist/service.ts';
import { DEFAULT_QUIET_HOURS } from '../../service/src/reminders/quiet-hours.ts';
import type { OrgApi } from '../../service/src/salesforce/org-api.ts';
import { TestClock } from '../helpers/org-emulator.ts';

export const ORG = '00D000000000001AAA';
export const TYPE = 'a01000000000001AAA';
export const RESOURCE = 'a02000000000001AAA';
export const SLUG = 'clinic';
export const ZONE = 'Europe/London';
/** Monday 2 March 2026, noon in London (GMT). */
export const START = '2026-03-02T12:00:00.000Z';
/** Tuesday: its one slot is 10:00 GMT. */
export const DAY = '2026-03-03';
export const SLOT = '2026-03-03T10:00:00.000Z';
export const PATIENT_B = '+447400123456';
export const PATIENT_C = '+447911123456';
const MINUTE = 60_000;

export const TYPE_RULES: PublicAppointmentType = {
  id: TYPE,
  name: 'Initial Assessment',
  slug: 'initial',
  description: '',
  price: null,
  deposit: null,
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  slotIntervalMinutes: 60,
  minimumNoticeMinutes: 0,
  horizonDays: 30,
  capacity: 1,
  resourceIds: [RESOURCE],
};

/** The clinic's schedule, and the appointments "sync saw" as busy time the test adds and removes. */
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
    types: [TYPE_RULES],
    staffOnlyTypes: [],
    resources: new Map([
      [
        RESOURCE,
        {
          id: RESOURCE,
          name: 'Dr Okafor',
          timeZone: ZONE,
          rules: ([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, startTime: '10:00', endTime: '11:00' })),
          exceptions: [],
        },
      ],
    ]),
  };

  /** Someone has the slot at `start` (an appointment sync saw). */
  book(start: string): void {
    const at = Date.parse(start);
    this.busy.push({ resourceId: RESOURCE, start: at, end: at + 60 * MINUTE, bookingKey: null });
  }

  /** Every working day's slot is taken for `days` days from DAY. */
  bookDays(days: number): void {
    for (let day = 0; day < days; day++) this.book(new Date(Date.parse(SLOT) + day * 24 * 60 * MINUTE).toISOString());
  }

  /** The appointment at `start` was cancelled. */
  cancel(start: string): void {
    const at = Date.parse(start);
    this.busy.splice(
      this.busy.findIndex((interval) => interval.start === at),
      1,
    );
  }

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

export interface SentText {
  orgId: string;
  to: string;
  body: string;
}

export interface Harness {
  clock: TestClock;
  clinic: FakeClinic;
  /** Whether the type is booked with a deposit (deposits/ with payments configured). */
  payments: { depositRequired: boolean };
  /** A waitlist service: a second one stands for a second instance (on its own connections, when given them). */
  instance(own?: Store): Instance;
}

export interface Instance {
  waitlist: WaitlistService;
  sent: SentText[];
  expiries: { offerId: number; at: Date }[];
  passes: { orgId: string; typeId: string; delayMs?: number }[];
  logs: string[];
  /** What sendText answers next (default: sent). */
  answer: () => ReplyOutcome;
}

/** Migrates `store`, adds the org, and builds instances over it. */
export async function harness(store: Store): Promise<Harness> {
  await migrate(store);
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext,
       api_version) values ($1, 'https://x.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [ORG],
  );
  const clock = new TestClock(START);
  const clinic = new FakeClinic();
  const payments = { depositRequired: false };
  const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')]));
  const key = Buffer.alloc(32, 7);
  const noOrg = new Proxy({} as OrgApi, {
    get: () => () => Promise.reject(new Error('no org in store tests')),
  });
  const instance = (own: Store = store): Instance => {
    const logs: string[] = [];
    const log = {
      info: (obj: object, msg: string) => void logs.push(JSON.stringify({ ...obj, msg })),
      warn: (obj: object, msg: string) => void logs.push(JSON.stringify({ ...obj, msg })),
    };
    const booking = createBookingService({
      store: () => own,
      envelope,
      orgApi: () => noOrg,
      schedule: () => clinic,
      wakeOutbox: async () => {},
      signingKey: async () => key,
      now: clock.now,
      log,
    });
    const self: Instance = {
      sent: [],
      expiries: [],
      passes: [],
      logs,
      answer: () => ({ kind: 'sent', sid: `SM${self.sent.length}`, status: 'queued', segments: 2 }),
      waitlist: createWaitlistService({
        store: () => own,
        envelope,
        orgApi: () => noOrg,
        schedule: () => clinic,
        booking: () => booking,
        wakeOutbox: async () => {},
        sendText: async (text) => {
          const outcome = self.answer();
          if (outcome.kind === 'sent') self.sent.push({ orgId: text.orgId, to: text.to, body: text.body });
          return outcome;
        },
        recipientKey: async () => key,
        signingKey: async () => key,
        scheduleExpiry: async (offerId, at) => void self.expiries.push({ offerId, at }),
        requestPass: async (orgId, typeId, delayMs) =>
          void self.passes.push({ orgId, typeId, ...(delayMs ? { delayMs } : {}) }),
        quietHours: async () => DEFAULT_QUIET_HOURS,
        publicUrl: new URL('https://slotwise.test'),
        offerMs: 15 * MINUTE,
        paysDeposit: () => payments.depositRequired,
        now: clock.now,
        log,
      }),
    };
    return self;
  };
  return { clock, clinic, payments, instance };
}

/** A join that passes every check, for `phone`. */
export function joinInput(phone: string, overrides: Record<string, unknown> = {}) {
  return {
    typeId: TYPE,
    date: DAY,
    timeZone: ZONE,
    name: 'Bea Waiting',
    phone,
    smsConsent: true,
    locale: 'en-GB',
    ...overrides,
  };
}

export async function offers(store: Store) {
  return store.query<{ id: number; entry_id: number; state: string; reason: string | null; booking_id: string }>(
    'select id, entry_id, state, reason, booking_id from waitlist_offer order by id',
  );
}

export async function entries(store: Store) {
  return store.query<{
    id: number;
    state: string;
    recipient_ciphertext: Buffer | null;
    name_ciphertext: Buffer | null;
  }>('select id, state, recipient_ciphertext, name_ciphertext from waitlist_entry order by id');
}

/** Held (not expired) and confirmed seats in booking_session. */
export async function liveSeats(store: Store, now: Date): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    `select count(*)::int as n from booking_seat where state = 'confirmed' or expires_at > $1`,
    [now],
  );
  return row!.n;
}

/** The token in a text's link. */
export function tokenOf(body: string): string {
  const token = /\/waitlist\/offer\?token=([A-Za-z0-9_-]+)/.exec(body)?.[1];
  if (!token) throw new Error('no offer link in the text');
  return token;
}
