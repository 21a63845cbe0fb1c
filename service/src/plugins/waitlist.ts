import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { signingKeySource } from '../booking/manage-token.ts';
import { DEFAULT_QUIET_HOURS } from '../reminders/quiet-hours.ts';
import { BOOKING_PAGE_OBJECT, ReminderSettingsCache } from '../reminders/rules.ts';
import { recipientKey } from '../sms/recipient.ts';
import { sendReply } from '../sms/replies.ts';
import { ENTRY_NAME_COLUMN, ENTRY_RECIPIENT_COLUMN } from '../waitlist/entries.ts';
import { createWaitlistService, type WaitlistService } from '../waitlist/service.ts';

export const WAITLIST_PASS_QUEUE = 'waitlist-pass';
export const WAITLIST_EXPIRY_QUEUE = 'waitlist-expiry';
export const WAITLIST_SWEEP_QUEUE = 'waitlist-sweep';

declare module 'fastify' {
  interface FastifyInstance {
    /** The waitlist (waitlist/service.ts); decorated only when SMS can be sent (Twilio configured). */
    waitlist: WaitlistService;
  }
}

export interface WaitlistPluginOptions {
  /** Where offer links point. */
  publicUrl: URL;
  /** WAITLIST_OFFER_MINUTES. */
  offerMinutes: number;
  /** Overrides offerMinutes (tests hold a slot for seconds). */
  offerMs?: number;
  /** How often the sweep runs: the longest a missed trigger delays an offer. Default 10 min. */
  sweepSeconds?: number;
  now?: () => Date;
}

/**
 * The waitlist: sync's events ask for passes; a pass per (org, type) is a job on a 'stately' queue
 * (one running and one waiting per org and type across every instance), each offer's expiry a job
 * at its expires_at, and a sweep (every ten minutes) catches what a lost job or a missed trigger
 * left behind. Offers are texted through sms/replies.ts sendReply, which needs the reminders
 * plugin's Twilio client.
 */
async function waitlist(app: FastifyInstance, options: WaitlistPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const sweepMs = (options.sweepSeconds ?? 600) * 1000;
  const log = app.log.child({ component: 'waitlist' });
  app.encryptedColumns.push(ENTRY_RECIPIENT_COLUMN, ENTRY_NAME_COLUMN);
  const store = () => app.storeConnection.store;

  const requestPass = async (orgId: string, typeId: string, delayMs?: number) => {
    await app.jobs.send(
      WAITLIST_PASS_QUEUE,
      { orgId, typeId },
      { singletonKey: `${orgId}:${typeId}`, ...(delayMs ? { runAt: new Date(Date.now() + delayMs) } : {}) },
    );
  };
  // The booking page's quiet hours, as reminders read them (their own cache: a query per org a minute).
  const settings = new ReminderSettingsCache(() => app.orgApi);
  const quietHours = async (orgId: string) => {
    try {
      return (await settings.get(orgId)).quietHours;
    } catch (error) {
      log.warn({ orgId, err: error }, 'waitlist: quiet hours could not be read, the service default applies');
      return DEFAULT_QUIET_HOURS;
    }
  };
  const scheduleExpiry = async (offerId: number, at: Date) => {
    await app.jobs.send(WAITLIST_EXPIRY_QUEUE, { offerId }, { runAt: at });
  };

  const service = createWaitlistService({
    store,
    envelope: app.envelope,
    // Read at each call: tests and the sandbox may stand other implementations in.
    orgApi: () => app.orgApi,
    schedule: () => app.schedule,
    booking: () => app.booking,
    wakeOutbox: (orgId) => app.outbox.wake(orgId),
    sendText: (text) => sendReply(app.reminders.replyDeps, { ...text, appointmentId: null, kind: 'waitlist_offer' }),
    recipientKey: recipientKey(store, app.envelope),
    signingKey: signingKeySource(store, app.envelope),
    scheduleExpiry,
    requestPass,
    quietHours,
    publicUrl: options.publicUrl,
    offerMs: options.offerMs ?? options.offerMinutes * 60_000,
    paysDeposit: (type) => app.hasDecorator('deposits') && app.deposits.required(type),
    now,
    log,
  });

  app.jobs.define<{ orgId: string; typeId: string }>(
    WAITLIST_PASS_QUEUE,
    async ({ orgId, typeId }) => {
      const result = await service.pass(orgId, typeId);
      if (result.offered > 0) log.info({ orgId, typeId, ...result }, 'waitlist pass');
    },
    { policy: 'stately', retryLimit: 5, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 300 },
  );

  app.jobs.define<{ offerId: number }>(
    WAITLIST_EXPIRY_QUEUE,
    async ({ offerId }) => {
      const later = await service.settle(offerId);
      if (later) await scheduleExpiry(offerId, later);
    },
    { retryLimit: 10, retryDelaySeconds: 5, retryBackoff: true },
  );

  app.jobs.define<Record<string, never>>(
    WAITLIST_SWEEP_QUEUE,
    async () => {
      try {
        const result = await service.sweep();
        if (result.settled > 0 || result.closed > 0) log.info(result, 'waitlist sweep');
      } finally {
        await app.jobs.send(WAITLIST_SWEEP_QUEUE, {}, { singletonKey: 'sweep', runAt: new Date(Date.now() + sweepMs) });
      }
    },
    { policy: 'stately' },
  );

  app.sync.bus.subscribe(async (event) => {
    if (event.type === 'config_changed' && event.objects.includes(BOOKING_PAGE_OBJECT))
      settings.invalidate(event.orgId);
    if (event.type === 'config_changed' || event.type === 'cancelled' || event.type === 'rescheduled') {
      await service.onSyncEvent(event);
    }
  });

  app.storeConnection.use({
    start: async () => {
      await app.jobs.send(WAITLIST_SWEEP_QUEUE, {}, { singletonKey: 'sweep', runAt: new Date(Date.now() + sweepMs) });
    },
    stop: async () => {},
  });

  app.decorate('waitlist', service);
  log.info({ offerMinutes: options.offerMinutes }, 'waitlist enabled');
}

export const waitlistPlugin = fp(waitlist, {
  name: 'waitlist',
  dependencies: ['store', 'encryption', 'salesforce', 'outbox', 'sync', 'schedule', 'booking', 'reminders'],
});
