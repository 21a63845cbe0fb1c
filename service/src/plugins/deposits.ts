import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { signingKeySource } from '../booking/manage-token.ts';
import { createDepositService, type DepositService } from '../deposits/service.ts';
import { DEPOSIT_PATIENT_COLUMN } from '../deposits/store.ts';

export const DEPOSIT_SWEEP_QUEUE = 'deposit-sweep';

declare module 'fastify' {
  interface FastifyInstance {
    /** Booking deposits (deposits/service.ts); decorated only where payments are (app.payments). */
    deposits: DepositService;
  }
}

export interface DepositsPluginOptions {
  /** DEPOSIT_CURRENCY. */
  currency: string;
  /** DEPOSIT_HOLD_MINUTES, in ms: how long the slot is held while the patient pays. */
  holdMs: number;
  /** How long a charge without an answer waits before it is looked up (tests shorten it). */
  settleMs?: number;
  /** How often the sweep runs (windows, lost answers, money to give back, captures). Default 60 s. */
  sweepSeconds?: number;
  now?: () => Date;
}

/**
 * `app.deposits`: a type with a deposit is confirmed only after payment. Its webhook handler is
 * registered with app.payments; a sweep job (every minute, one at a time across instances)
 * finishes what requests left: windows that ran out, charges whose answer was lost, paid bookings
 * not yet written, money to give back, authorizations due for capture at their cutoff.
 */
async function deposits(app: FastifyInstance, options: DepositsPluginOptions): Promise<void> {
  const sweepMs = (options.sweepSeconds ?? 60) * 1000;
  const log = app.log.child({ component: 'deposits' });
  app.encryptedColumns.push(DEPOSIT_PATIENT_COLUMN);
  const store = () => app.storeConnection.store;
  const service = createDepositService({
    store,
    envelope: app.envelope,
    // Read at each call: tests and the sandbox may stand other implementations in.
    orgApi: () => app.orgApi,
    schedule: () => app.schedule,
    booking: () => app.booking,
    client: () => app.payments.client,
    wakeOutbox: (orgId) => app.outbox.wake(orgId),
    signingKey: signingKeySource(store, app.envelope),
    currency: options.currency,
    holdMs: options.holdMs,
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    now: options.now ?? (() => new Date()),
    log,
  });
  app.payments.onTransactionEvent((event) => service.onTransactionEvent(event));

  const scheduleSweep = () =>
    app.jobs.send(DEPOSIT_SWEEP_QUEUE, {}, { singletonKey: 'sweep', runAt: new Date(Date.now() + sweepMs) });
  app.jobs.define<Record<string, never>>(
    DEPOSIT_SWEEP_QUEUE,
    async () => {
      try {
        const result = await service.sweep();
        if (Object.values(result).some((count) => count > 0)) log.info(result, 'deposit sweep');
      } finally {
        await scheduleSweep();
      }
    },
    { policy: 'stately' },
  );
  app.storeConnection.use({
    start: async () => {
      await scheduleSweep();
    },
    stop: async () => {},
  });

  app.decorate('deposits', service);
  log.info({ holdMinutes: options.holdMs / 60_000, currency: options.currency }, 'deposits enabled');
}

export const depositsPlugin = fp(deposits, {
  name: 'deposits',
  dependencies: ['store', 'encryption', 'salesforce', 'outbox', 'schedule', 'booking', 'payments'],
});
