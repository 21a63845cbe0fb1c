import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { BOOKING_PAGE_OBJECT } from '../reminders/rules.ts';
import { recipientKey } from '../sms/recipient.ts';
import { sendReply } from '../sms/replies.ts';
import { planAgenda } from '../staff/agenda.ts';
import { alertFor } from '../staff/alerts.ts';
import { dispatchStaffBatch, type StaffDispatchDeps } from '../staff/dispatch.ts';
import { RESOURCE_OBJECT, StaffSettingsCache } from '../staff/preferences.ts';
import { isFirstSync, pruneFinished, reconcileStale, storeAgendaPlan, storeAlert } from '../staff/store.ts';

export const STAFF_SMS_QUEUE = 'staff-sms';

declare module 'fastify' {
  interface FastifyInstance {
    staffSms: {
      /** Plans agendas again and asks for a pass now (both also happen on their own). */
      wake(): Promise<void>;
    };
  }
}

export interface StaffSmsPluginOptions {
  /** How often the pass looks for due staff SMS. Default 5 s. */
  intervalMs?: number;
  /** How often an instance plans every org's agendas (and after a resource or booking page change). Default 60 s. */
  planEveryMs?: number;
  /** Rows claimed per batch. Default 20. */
  batchSize?: number;
  /** A row 'sending' for longer than this was abandoned by its instance. Default 2 min. */
  staleSendingMs?: number;
  /** Finished rows are kept this long. Default 30 days. */
  keepDays?: number;
  now?: () => Date;
}

/** A pass ends after this long so other queues and a stopping instance are not held up. */
const PASS_BUDGET_MS = 20_000;
const DAY_MS = 86_400_000;

/**
 * Staff SMS (docs/sms.md): each resource's daily agenda at its chosen local time, and alerts of new,
 * cancelled and rescheduled bookings, as the resource's preferences in the org ask. Alerts are
 * stored from sync's events; one durable job on app.jobs (one singleton key: one pass at a time
 * across every instance) plans agendas, sends what is due and schedules its next tick. Texts go
 * through sendReply with the reminders' Twilio client, so it is registered only beside them.
 */
async function staffSms(app: FastifyInstance, options: StaffSmsPluginOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const intervalMs = options.intervalMs ?? 5_000;
  const planEveryMs = options.planEveryMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const staleMs = options.staleSendingMs ?? 120_000;
  const keepMs = (options.keepDays ?? 30) * DAY_MS;
  const log = app.log.child({ component: 'staff-sms' });
  const store = () => app.storeConnection.store;
  const settings = new StaffSettingsCache(() => app.orgApi);
  const recipientKeyOf = recipientKey(store, app.envelope);
  const deps = (): StaffDispatchDeps => ({
    store: store(),
    orgApi: app.orgApi,
    settings: (orgId) => settings.get(orgId),
    send: (reply) => sendReply(app.reminders.replyDeps, reply),
    recipientKey: recipientKeyOf,
    log,
    now,
  });
  // Real time, per instance: planning is idempotent, this only bounds how often it is repeated.
  let plannedAt = -Infinity;

  const planAgendas = async () => {
    const orgs = await store().query<{ org_id: string }>(
      'select org_id from org_connection where disconnected_at is null',
    );
    for (const { org_id: orgId } of orgs) {
      try {
        const { resources } = await settings.get(orgId);
        const plan = planAgenda([...resources.values()], now().getTime());
        const stored = await storeAgendaPlan(store(), orgId, plan, now());
        if (stored.inserted > 0 || stored.moved > 0 || stored.cancelled > 0) {
          log.info({ orgId, ...stored }, 'staff agendas planned');
        }
      } catch (error) {
        log.warn({ orgId, err: error }, 'staff SMS settings unavailable: agendas not planned');
      }
    }
    await pruneFinished(store(), new Date(now().getTime() - keepMs));
  };

  const schedule = async (runAt?: Date) => {
    await app.jobs.send(STAFF_SMS_QUEUE, {}, { singletonKey: 'staff-sms', ...(runAt ? { runAt } : {}) });
  };

  app.jobs.define<object>(
    STAFF_SMS_QUEUE,
    async (_data, job) => {
      try {
        // The first pass is asked for while the store is starting (its dependents start first).
        await app.storeConnection.whenReady();
        if (Date.now() - plannedAt >= planEveryMs) {
          plannedAt = Date.now();
          await planAgendas();
        }
        await reconcileStale(store(), staleMs, now());
        const pass = deps();
        const deadline = Date.now() + PASS_BUDGET_MS;
        while (!job.signal.aborted && Date.now() < deadline) {
          const result = await dispatchStaffBatch(pass, batchSize, job.signal);
          if (result.claimed > 0) log.info(result.outcomes, 'staff SMS dispatched');
          if (result.claimed < batchSize) break;
        }
      } finally {
        if (!job.signal.aborted) await schedule(new Date(Date.now() + intervalMs));
      }
    },
    { policy: 'stately', retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 300 },
  );

  app.sync.bus.subscribe(async (event) => {
    if (event.type === 'config_changed') {
      if (event.objects.includes(RESOURCE_OBJECT) || event.objects.includes(BOOKING_PAGE_OBJECT)) {
        settings.invalidate(event.orgId);
        plannedAt = -Infinity;
      }
      return;
    }
    const resourceId = event.appointment.resourceId;
    if (event.type === 'status_changed' || !resourceId) return;
    const org = await settings.get(event.orgId);
    const alert = alertFor(event, org.resources.get(resourceId), org.quietHours, now().getTime());
    if (!alert || (await isFirstSync(store(), event.orgId))) return;
    if (await storeAlert(store(), event.orgId, alert, now())) {
      log.info({ orgId: event.orgId, appointmentId: event.appointmentId, kind: alert.kind }, 'staff alert planned');
      await schedule();
    }
  });

  app.storeConnection.use({ start: () => schedule(), stop: async () => {} });

  app.decorate('staffSms', {
    wake: async () => {
      plannedAt = -Infinity;
      await schedule();
    },
  });
}

export const staffSmsPlugin = fp(staffSms, {
  name: 'staff-sms',
  dependencies: ['store', 'encryption', 'sync', 'salesforce', 'reminders'],
});
