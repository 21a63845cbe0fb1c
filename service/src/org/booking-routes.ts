// Staff booking through the org API (docs/org-api.yaml listSlots, createBooking): what the
// Salesforce console's booking component calls through SlotwiseServiceClient. The same booking
// service as the public page (race-free holds, re-verify in the org, upsert by booking key); the org
// is the API key's, and its private appointment types are bookable here too.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

const SalesforceId = Type.String({ pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$' });
// Shapes only: whether the date or zone exists is the booking service's answer (400 either way).
const CalendarDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64 });

const SlotsQuery = Type.Object(
  {
    typeId: SalesforceId,
    resourceId: Type.Optional(SalesforceId),
    from: CalendarDate,
    to: CalendarDate,
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

const Patient = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    phone: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 80 })),
  },
  // At least one of phone and e-mail: checked by the booking service with the rest of the details.
  { additionalProperties: false },
);

const BookingRequest = Type.Object(
  {
    typeId: SalesforceId,
    resourceId: Type.Optional(SalesforceId),
    start: Type.String({ maxLength: 30 }),
    patient: Patient,
    smsConsent: Type.Boolean(),
    contactId: Type.Optional(SalesforceId),
    leadId: Type.Optional(SalesforceId),
    idempotencyKey: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  },
  { additionalProperties: false },
);

const Slot = Type.Object({ start: Type.String(), end: Type.String(), resourceId: Type.String() });
const Booking = Type.Object({
  bookingKey: Type.String(),
  appointmentId: Type.String(),
  start: Type.String(),
  end: Type.String(),
  resourceId: Type.String(),
  status: Type.String(),
});

/** listSlots and createBooking of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function bookingRoutes(v1: FastifyInstance): Promise<void> {
  v1.get<{ Querystring: Static<typeof SlotsQuery> }>(
    '/slots',
    {
      ...ORG_ROUTE,
      schema: { querystring: SlotsQuery, response: { 200: Type.Object({ slots: Type.Array(Slot) }) } },
    },
    async (request) => ({ slots: await v1.booking.staffSlots(orgOf(request).orgId, request.query) }),
  );

  v1.post<{ Body: Static<typeof BookingRequest> }>(
    '/bookings',
    { ...ORG_ROUTE, schema: { body: BookingRequest, response: { 200: Booking, 201: Booking } } },
    async (request, reply) => {
      const { orgId } = orgOf(request);
      if (request.body.contactId && request.body.leadId) {
        throw new HttpProblem(400, 'invalid_request', 'Send a contactId or a leadId, not both');
      }
      const { booking, replayed } = await v1.booking.staffBook(orgId, request.body);
      request.log.info({ orgId, bookingKey: booking.bookingKey, replayed }, 'staff booking');
      return reply.code(replayed ? 200 : 201).send(booking);
    },
  );
}
