import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SIGNING_KEY_COLUMN, signingKeySource } from '../booking/manage-token.ts';
import { createBookingService, type PaymentHolds } from '../booking/service.ts';
import type { BookingService, StaffBookingService } from '../booking/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Public self-scheduling (routes/public-api.ts, the booking page), staff booking
     * (org/booking-routes.ts) and the holds of bookings whose deposit is being paid (deposits/).
     */
    booking: BookingService & StaffBookingService & PaymentHolds;
  }
}

/** `app.booking`, over the store, the gateway, the outbox and the org's schedule (`app.schedule`). */
async function booking(app: FastifyInstance): Promise<void> {
  app.encryptedColumns.push(SIGNING_KEY_COLUMN);
  const store = () => app.storeConnection.store;
  app.decorate(
    'booking',
    createBookingService({
      store,
      envelope: app.envelope,
      // Read at each call: tests and the sandbox may stand other implementations in.
      orgApi: () => app.orgApi,
      schedule: () => app.schedule,
      wakeOutbox: (orgId) => app.outbox.wake(orgId),
      signingKey: signingKeySource(store, app.envelope),
      now: () => new Date(),
      log: app.log.child({ component: 'booking' }),
      // Where payments are, a type with a deposit is booked only through the payment step.
      paysDeposit: (type) => app.hasDecorator('deposits') && app.deposits.required(type),
    }),
  );
}

export const bookingPlugin = fp(booking, {
  name: 'booking',
  dependencies: ['store', 'encryption', 'salesforce', 'outbox', 'schedule'],
});
