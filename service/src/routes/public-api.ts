// The public booking API, /api/public/v1: what a clinic's own website or app calls, documented as
// OpenAPI at /api/public/v1/openapi.json. The schemas here bound every input (sizes, shapes); the
// meaning (a real time zone, a phone that is a phone, a slot that is free) is the booking service's,
// which answers in words a patient understands.
//
// Manage tokens travel in `?token=`, an `Authorization: Bearer` header or the POST body, never in
// the path: the request log writes paths, and only the names of query parameters.
import swagger from '@fastify/swagger';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bookingProblem } from '../booking/errors.ts';

export const PUBLIC_API_PREFIX = '/api/public/v1';
/** A booking is a few hundred bytes: anything much larger is not one. */
export const BOOKING_BODY_LIMIT = 8 * 1024;

const Slug = Type.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' });
const TypeId = Type.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' });
const RecordId = Type.String({ pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$' });
// Shapes only: whether the zone exists is checked by the service (answer: invalid_time_zone).
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/London' });
const CalendarDate = Type.String({ maxLength: 10, description: 'YYYY-MM-DD in timeZone' });
const Instant = Type.String({ maxLength: 30, description: "A slot's start, ISO 8601 UTC" });
const Token = Type.String({ minLength: 1, maxLength: 200 });

const SlotView = Type.Object({
  start: Type.String(),
  end: Type.String(),
  time: Type.String({ description: 'HH:MM in the asked time zone' }),
  seatsLeft: Type.Integer(),
});

const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    nearest: Type.Optional(Type.Array(SlotView, { description: 'With slot_taken and slot_unavailable' })),
  },
  { description: 'application/problem+json (RFC 9457)' },
);

const PublicOrg = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  brandColor: Type.String(),
  defaultTimeZone: Type.String(),
  consentText: Type.String({ description: 'What ticking SMS consent agrees to; empty when the clinic set none' }),
  consentTextVersion: Type.String({ description: 'The version of that text, stored with the consent' }),
  types: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      durationMinutes: Type.Integer(),
      price: Type.Union([Type.Number(), Type.Null()]),
      deposit: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
});

const SlotsResult = Type.Object({
  typeId: Type.String(),
  timeZone: Type.String(),
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(Type.Object({ date: Type.String(), slots: Type.Array(SlotView) })),
});

const BookingView = Type.Object({
  bookingKey: Type.String(),
  status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')]),
  orgName: Type.String(),
  orgSlug: Type.String(),
  type: Type.Object({ id: Type.String(), name: Type.String(), durationMinutes: Type.Integer() }),
  resourceName: Type.String(),
  start: Type.String(),
  end: Type.String(),
  timeZone: Type.String(),
  changeableUntil: Type.String(),
  canCancel: Type.Boolean(),
  canReschedule: Type.Boolean(),
});

const BookingResult = Type.Object({
  booking: BookingView,
  links: Type.Object({ cancelToken: Type.String(), rescheduleToken: Type.String() }),
  replayed: Type.Boolean(),
});

const SlotsQuery = Type.Object(
  { from: CalendarDate, to: CalendarDate, timeZone: TimeZone },
  { additionalProperties: false },
);

const BookingBody = Type.Object(
  {
    typeId: TypeId,
    start: Instant,
    resourceId: Type.Optional(RecordId),
    timeZone: TimeZone,
    // Generous bounds: the service trims and checks 1–100 characters of the cleaned name.
    name: Type.String({ maxLength: 400 }),
    phone: Type.String({ maxLength: 40 }),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    smsConsent: Type.Boolean(),
    locale: Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$' }),
  },
  { additionalProperties: false },
);

const WaitlistBody = Type.Object(
  {
    typeId: TypeId,
    date: CalendarDate,
    timeZone: TimeZone,
    name: Type.String({ maxLength: 400 }),
    phone: Type.String({ maxLength: 40, description: 'A mobile number: the offer of a freed time is texted to it' }),
    smsConsent: Type.Boolean({ description: 'Must be true: the waitlist works by text message' }),
    locale: Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$' }),
  },
  { additionalProperties: false },
);

const WaitlistResult = Type.Object({
  entry: Type.Object({
    typeId: Type.String(),
    date: Type.String(),
    timeZone: Type.String(),
    state: Type.String({ description: 'waiting, or offered while a freed time is held for this number' }),
    position: Type.Integer({ description: 'Place in line for this type and day, from 1' }),
  }),
  replayed: Type.Boolean({ description: 'The number was on the waitlist for this day already' }),
});

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 8,
    maxLength: 128,
    pattern: '^[A-Za-z0-9_.:-]+$',
    description: 'Chosen by the client, unique per booking attempt: a repeat returns the same booking',
  }),
});

const TokenQuery = Type.Object({ token: Type.Optional(Token) });
const CancelBody = Type.Object({ token: Type.Optional(Token) }, { additionalProperties: false });
const RescheduleBody = Type.Object(
  { token: Type.Optional(Token), start: Instant, resourceId: Type.Optional(RecordId) },
  { additionalProperties: false },
);

const problems = { '4xx': Problem, '5xx': Problem };
const tokenSecurity: Record<string, string[]>[] = [{ manageToken: [] }, { manageTokenQuery: [] }];

function responses(ok: TSchema, status = 200) {
  return { [status]: ok, ...problems };
}

/** The manage token from the body, the query or `Authorization: Bearer`. */
function tokenOf(request: FastifyRequest): string {
  const fromBody = (request.body as { token?: string } | undefined)?.token;
  const fromQuery = (request.query as { token?: string } | undefined)?.token;
  const header = request.headers.authorization;
  const fromHeader = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  const token = fromBody ?? fromQuery ?? fromHeader;
  if (!token) {
    throw bookingProblem('invalid_token', 'This link is not complete', 'Please open the link exactly as it was sent.');
  }
  return token;
}

/** Registered with `{ prefix: PUBLIC_API_PREFIX }`. */
export async function publicApiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Slotwise public booking API',
        version: '1.0.0',
        description:
          'Self-scheduling for a clinic: its bookable types, free slots, and bookings managed by the tokens ' +
          'a booking returns. Errors are application/problem+json with a stable `code`.',
      },
      servers: [{ url: PUBLIC_API_PREFIX }],
      components: {
        securitySchemes: {
          manageToken: { type: 'http', scheme: 'bearer', description: 'A manage token from a booking' },
          manageTokenQuery: { type: 'apiKey', in: 'query', name: 'token' },
        },
      },
    },
    transform: ({ schema, url }) => ({
      schema,
      url: url.startsWith(PUBLIC_API_PREFIX) ? url.slice(PUBLIC_API_PREFIX.length) || '/' : url,
    }),
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get<{ Params: { slug: string } }>(
    '/orgs/:slug',
    {
      schema: {
        summary: "The clinic's booking page: its name, colours and bookable types",
        params: Type.Object({ slug: Slug }),
        response: responses(PublicOrg),
      },
    },
    async (request) => app.booking.org(request.params.slug),
  );

  app.get<{ Params: { slug: string; typeId: string }; Querystring: Static<typeof SlotsQuery> }>(
    '/orgs/:slug/types/:typeId/slots',
    {
      schema: {
        summary: 'Free start times of a type, grouped by local day (at most 31 days)',
        params: Type.Object({ slug: Slug, typeId: TypeId }),
        querystring: SlotsQuery,
        response: responses(SlotsResult),
      },
    },
    async (request) => app.booking.slots(request.params.slug, request.params.typeId, request.query),
  );

  app.post<{
    Params: { slug: string };
    Body: Static<typeof BookingBody>;
    Headers: Static<typeof IdempotencyHeaders>;
  }>(
    '/orgs/:slug/bookings',
    {
      bodyLimit: BOOKING_BODY_LIMIT,
      schema: {
        summary: 'Book a slot. 201 when booked, 200 when the Idempotency-Key had already booked it',
        params: Type.Object({ slug: Slug }),
        headers: IdempotencyHeaders,
        body: BookingBody,
        response: { ...responses(BookingResult, 201), 200: BookingResult },
      },
    },
    async (request, reply) => {
      const result = await app.booking.book(request.params.slug, {
        ...request.body,
        idempotencyKey: request.headers['idempotency-key'],
      });
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );

  // Only where the service sends SMS (plugins/waitlist.ts is registered with Twilio): no offer could go otherwise.
  if (app.hasDecorator('waitlist')) {
    app.post<{ Params: { slug: string }; Body: Static<typeof WaitlistBody> }>(
      '/orgs/:slug/waitlist',
      {
        bodyLimit: BOOKING_BODY_LIMIT,
        schema: {
          summary:
            'Join the waitlist for a fully booked day: a freed time is texted to the number and held for a while. ' +
            '201 when added, 200 when the number was on it already',
          params: Type.Object({ slug: Slug }),
          body: WaitlistBody,
          response: { ...responses(WaitlistResult, 201), 200: WaitlistResult },
        },
      },
      async (request, reply) => {
        const result = await app.waitlist.join(request.params.slug, request.body);
        return reply.code(result.replayed ? 200 : 201).send(result);
      },
    );
  }

  app.get<{ Querystring: Static<typeof TokenQuery> }>(
    '/bookings',
    {
      schema: {
        summary: 'The booking a manage token points at',
        querystring: TokenQuery,
        security: tokenSecurity,
        response: responses(Type.Object({ booking: BookingView, purpose: Type.String() })),
      },
    },
    async (request) => app.booking.get(tokenOf(request)),
  );

  app.post<{ Body: Static<typeof CancelBody> }>(
    '/bookings/cancel',
    {
      bodyLimit: BOOKING_BODY_LIMIT,
      // A cancel with the token in the query or header needs no body at all.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        summary: 'Cancel with a cancel token (until the clinic’s cut-off)',
        querystring: TokenQuery,
        body: CancelBody,
        security: tokenSecurity,
        response: responses(Type.Object({ booking: BookingView })),
      },
    },
    async (request) => ({ booking: await app.booking.cancel(tokenOf(request)) }),
  );

  app.post<{ Body: Static<typeof RescheduleBody> }>(
    '/bookings/reschedule',
    {
      bodyLimit: BOOKING_BODY_LIMIT,
      schema: {
        summary: 'Move to another free slot with a reschedule token; the booking key stays, new links are issued',
        querystring: TokenQuery,
        body: RescheduleBody,
        security: tokenSecurity,
        response: responses(BookingResult),
      },
    },
    async (request) =>
      app.booking.reschedule(tokenOf(request), {
        start: request.body.start,
        ...(request.body.resourceId ? { resourceId: request.body.resourceId } : {}),
      }),
  );
}
