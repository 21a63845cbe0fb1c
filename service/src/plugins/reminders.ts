import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { signingKeySource } from '../booking/manage-token.ts';
import type { TwilioConfig } from '../config.ts';
import { availableSmsCredits } from '../credits/sms-credits.ts';
import { dispatchBatch, resumePaused, senderKey, type DispatchDeps } from '../reminders/dispatch.ts';
import { planFromEvent } from '../reminders/planning.ts';
import { reconcileStale } from '../reminders/reconcile.ts';
import {
  BOOKING_PAGE_OBJECT,
  REMINDER_RULE_OBJECT,
  ReminderSettingsCache,
  type ReminderSettings,
} from '../reminders/rules.ts';
import type { SendRate } from '../sms/rate-limit.ts';
import { pruneWebhookReceipts, RECEIPT_RETENTION_MS } from '../sms/receipts.ts';
import { RECIPIENT_KEY_COLUMN, recipientKey } from '../sms/recipient.ts';
import { BODY_COLUMN, RECIPIENT_COLUMN } from '../sms/outbound.ts';
import type { ReplyDeps } from '../sms/replies.ts';
import { createSmsApi, type SmsApi, type SmsSender } from '../sms/sender.ts';
import { createTwilioClient } from '../sms/twilio-client.ts';

export const DISPATCH_QUEUE = 'sms-dispatch';
export const RECEIPT_PRUNE_QUEUE = 'sms-receipt-prune';
const RECEIPT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface ReminderStatus {
  /** Reminders by state, and the reasons of those skipped, cancelled, failed or paused. */
  states: Record<string, number>;
  reasons: Record<string, number>;
  /** The org's credits available (its ledger's, or the opening allowance before it has one); reminders pause at zero. */
  creditBalance: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    reminders: {
      status(orgId: string): Promise<ReminderStatus>;
      /** Asks for a dispatch pass now (reminders also go at the next tick without it). */
      wake(): Promise<void>;
      /** The Twilio client and sender every SMS goes through (replies too). */
      sms: SmsApi;
      sender: SmsSender;
      /** What sendReply needs: every text that is not a reminder goes through it. */
      replyDeps: ReplyDeps;
      /** The org's reminder settings (cached; dropped when sync sees them change). */
      settings(orgId: string): Promise<ReminderSettings>;
    };
  }
}

export interface RemindersPluginOptions {
  twilio: TwilioConfig;
  publicUrl: URL;
  ratePerSecond: number;
  /** SMS_CREDIT_ALLOWANCE: the credits an org's ledger opens with. */
  openingAllowance: number;
  /** Dispatch passes that may run at once across instances (pg-boss singleton lanes). Default 2. */
  lanes?: number;
  /** Of those, how many one instance runs at once (fewer than `lanes` spreads them). Default `lanes`. */
  instanceLanes?: number;
  /** Reminders of a batch sent at once. Default 4. */
  sendConcurrency?: number;
  /** Reminders claimed per pass (one org query each). Default 50. */
  batchSize?: number;
  /** How often each lane looks for due reminders. Default 2 s. */
  intervalMs?: number;
  /** A reminder 'sending' for longer than this was abandoned by its instance. Default 2 min. */
  staleSendingMs?: number;
  /** Twilio request timeout. Default 10 s. */
  twilioTimeoutMs?: number;
  now?: () => Date;
}

/** A pass ends after this long so other queues and a stopping instance are not held up. */
const PASS_BUDGET_MS = 20_000;

/**
 * SMS reminders: plans them from sync's appointment events and sends them from durable jobs on
 * app.jobs (queue policy 'stately', one singleton key per lane: at most `lanes` passes run at once
 * across every instance, each claiming its own rows), each lane scheduling its next tick.
 */
async function reminders(app: FastifyInstance, options: RemindersPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const lanes = options.lanes ?? 2;
  const batchSize = options.batchSize ?? 50;
  const intervalMs = options.intervalMs ?? 2_000;
  const staleMs = options.staleSendingMs ?? 120_000;
  const log = app.log.child({ component: 'reminders' });
  app.encryptedColumns.push(RECIPIENT_KEY_COLUMN, RECIPIENT_COLUMN, BODY_COLUMN);

  const store = () => app.storeConnection.store;
  const settings = new ReminderSettingsCache(() => app.orgApi);
  const sender: SmsSender = options.twilio.messagingServiceSid
    ? { messagingServiceSid: options.twilio.messagingServiceSid }
    : { from: options.twilio.fromNumber! };
  const sms = createSmsApi({
    client: createTwilioClient({
      credentials: { accountSid: options.twilio.accountSid, authToken: options.twilio.authToken },
      ...(options.twilio.apiBaseUrl ? { baseUrl: options.twilio.apiBaseUrl } : {}),
      timeoutMs: options.twilioTimeoutMs ?? 10_000,
    }),
  });
  const rate: SendRate = { perSecond: options.ratePerSecond, burst: 1 };
  const recipientKeyOf = recipientKey(store, app.envelope);
  const signingKey = signingKeySource(store, app.envelope);
  const deps = (): DispatchDeps => ({
    store: store(),
    envelope: app.envelope,
    orgApi: app.orgApi,
    sms,
    sender,
    rate,
    settings: (orgId) => settings.get(orgId),
    recipientKey: recipientKeyOf,
    signingKey,
    publicUrl: options.publicUrl,
    sendConcurrency: options.sendConcurrency ?? 4,
    openingAllowance: options.openingAllowance,
    log,
    now,
  });

  const schedule = async (lane: number, runAt?: Date) => {
    await app.jobs.send(DISPATCH_QUEUE, { lane }, { singletonKey: `lane-${lane}`, ...(runAt ? { runAt } : {}) });
  };

  // A sync tick plans many appointments: one early pass for all of them (each lane's own tick
  // follows within intervalMs anyway), not a job request per appointment.
  let lastWake = 0;
  const wakeSoon = async () => {
    if (Date.now() - lastWake < intervalMs) return;
    lastWake = Date.now();
    await schedule(0);
  };

  app.jobs.define<{ lane: number }>(
    DISPATCH_QUEUE,
    async ({ lane }, job) => {
      try {
        const pass = deps();
        if (lane === 0) {
          await resumePaused(pass);
          await reconcileStale(pass, staleMs, batchSize);
        }
        const deadline = Date.now() + PASS_BUDGET_MS;
        while (!job.signal.aborted && Date.now() < deadline) {
          const result = await dispatchBatch(pass, batchSize, job.signal);
          if (result.claimed > 0) log.info({ lane, ...result.outcomes }, 'reminders dispatched');
          if (result.claimed < batchSize) break;
        }
      } finally {
        if (!job.signal.aborted) await schedule(lane, new Date(Date.now() + intervalMs));
      }
    },
    {
      policy: 'stately',
      concurrency: options.instanceLanes ?? lanes,
      retryLimit: 3,
      retryDelaySeconds: 5,
      expireInSeconds: 300,
    },
  );

  app.jobs.define<Record<string, never>>(
    RECEIPT_PRUNE_QUEUE,
    async (_data, job) => {
      try {
        const deleted = await pruneWebhookReceipts(
          store(),
          new Date(now().getTime() - RECEIPT_RETENTION_MS),
          job.signal,
        );
        if (deleted > 0) log.info({ deleted }, 'old webhook receipts pruned');
      } finally {
        if (!job.signal.aborted) await scheduleReceiptPrune(new Date(Date.now() + RECEIPT_PRUNE_INTERVAL_MS));
      }
    },
    { policy: 'stately' },
  );
  const scheduleReceiptPrune = async (runAt?: Date) => {
    await app.jobs.send(RECEIPT_PRUNE_QUEUE, {}, { singletonKey: 'prune', ...(runAt ? { runAt } : {}) });
  };

  app.sync.bus.subscribe(async (event) => {
    if (event.type === 'config_changed') {
      if (event.objects.includes(REMINDER_RULE_OBJECT) || event.objects.includes(BOOKING_PAGE_OBJECT)) {
        settings.invalidate(event.orgId);
      }
      return;
    }
    const stored = await planFromEvent(store(), event, await settings.get(event.orgId), now());
    if (stored.inserted > 0 || stored.cancelled > 0) {
      log.info({ orgId: event.orgId, appointmentId: event.appointmentId, ...stored }, 'reminders planned');
      await wakeSoon();
    }
  });

  app.storeConnection.use({
    start: async () => {
      for (let lane = 0; lane < lanes; lane++) await schedule(lane);
      await scheduleReceiptPrune();
    },
    stop: async () => {},
  });

  app.decorate('reminders', {
    status: async (orgId: string): Promise<ReminderStatus> => {
      const rows = await store().query<{ state: string; state_reason: string | null; n: number }>(
        `select state, state_reason, count(*)::int8 as n from sms_reminder where org_id = $1 group by 1, 2`,
        [orgId],
      );
      const states: Record<string, number> = {};
      const reasons: Record<string, number> = {};
      for (const row of rows) {
        states[row.state] = (states[row.state] ?? 0) + row.n;
        if (row.state_reason) reasons[row.state_reason] = (reasons[row.state_reason] ?? 0) + row.n;
      }
      return { states, reasons, creditBalance: await availableSmsCredits(store(), orgId, options.openingAllowance) };
    },
    wake: () => schedule(0),
    sms,
    sender,
    settings: (orgId: string) => settings.get(orgId),
    replyDeps: {
      store,
      envelope: app.envelope,
      sms: () => sms,
      sender,
      publicUrl: options.publicUrl,
      enqueue: (tx, write) => app.outbox.enqueue(tx, write),
      wake: (orgId) => app.outbox.wake(orgId),
      openingAllowance: options.openingAllowance,
      rate,
      now,
    },
  });
  log.info({ sender: senderKey(sender).slice(0, 2) }, 'SMS reminders enabled');
}

export const remindersPlugin = fp(reminders, {
  name: 'reminders',
  dependencies: ['store', 'encryption', 'sync', 'salesforce', 'outbox'],
});
