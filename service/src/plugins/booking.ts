import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SIGNING_KEY_COLUMN, signingKeySource } from '../booking/manage-token.ts';
import { createBookingService } from '../booking/service.ts';
import type { BookingService } from '../booking/types.ts';
import type { ScheduleSource } from '../schedule/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Public self-scheduling: what routes/public-api.ts and the booking page call. */
    booking: BookingService;
  }
}

export interface BookingPluginOptions {
  /** Where the org's schedule comes from: `app.schedule` (plugins/schedule.ts) unless a test gives one. */
  schedule?: () => ScheduleSource;
  now?: () => Date;
  holdMs?: number;
}

/** `app.booking`, over the store, the gateway, the outbox and the org's schedule. */
async function booking(app: FastifyInstance, options: BookingPluginOptions): Promise<void> {
  app.encryptedColumns.push(SIGNING_KEY_COLUMN);
  const store = () => app.storeConnection.store;
  const schedule = options.schedule ?? (() => (app as unknown as { schedule: ScheduleSource }).schedule);
  app.decorate(
    'booking',
    createBookingService({
      store,
      envelope: app.envelope,
      orgApi: () => app.orgApi,
      schedule,
      wakeOutbox: (orgId) => app.outbox.wake(orgId),
      signingKey: signingKeySource(store, app.envelope),
      now: options.now ?? (() => new Date()),
      log: app.log.child({ component: 'booking' }),
      ...(options.holdMs ? { holdMs: options.holdMs } : {}),
    }),
  );
}

export const bookingPlugin = fp(booking, {
  name: 'booking',
  dependencies: ['store', 'encryption', 'salesforce', 'outbox'],
});
