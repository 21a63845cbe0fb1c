// The deposit step of the booking pages (registered by routes/booking-page.ts in its scope, with
// its page shell and error pages): GET /book/pay?token=… shows where the payment stands, POST
// /book/pay charges the nonce AcceptUI returned. A paid booking goes on to the usual confirmation.
//
// Only the form of this step loads AcceptUI: its answers widen the CSP (script-src, frame-src,
// connect-src) by exactly AcceptUI's origin; every other page keeps the base policy. The payment
// link travels in the query string, whose values the request log never writes.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DepositService, PaymentStep } from '../deposits/service.ts';
import { loadAcceptUiScript } from '../page/accept-ui.ts';
import { IMMUTABLE } from '../page/assets.ts';
import type { PageResponder } from '../page/respond.ts';
import { checkingPage, closedPage, PAY_PATH, paymentPage } from '../page/views/payment.ts';
import { ACCEPT_DATA_DESCRIPTOR } from '../payments/authnet/client.ts';
import type { Payments } from '../plugins/payments.ts';
import { widenCsp } from '../plugins/security.ts';
import { HttpProblem } from '../problem.ts';

export interface DepositRouteOptions {
  deposits: () => DepositService;
  acceptUi: () => Payments['acceptUi'];
  pages: PageResponder;
  /** Looks the clinic up so the page wears its name and colour. */
  rememberOrg(request: FastifyRequest, slug: string, name: string): Promise<void>;
}

const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{48}$' });
const PayQuery = Type.Object({ token: Token });
const PayForm = Type.Object(
  {
    token: Token,
    idempotencyKey: Type.String({ pattern: '^[A-Za-z0-9-]{16,64}$' }),
    dataDescriptor: Type.Literal(ACCEPT_DATA_DESCRIPTOR),
    dataValue: Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9+/=_.-]+$' }),
  },
  { additionalProperties: false },
);
type PayForm = Static<typeof PayForm>;

/** How a closed payment step answers: the window is gone (410), or the booking could not stand. */
const CLOSED_STATUS = { expired: 410, returned: 409, taken: 409, gone: 409, org_unavailable: 503, org_rejected: 502 };

export async function depositRoutes(app: FastifyInstance, options: DepositRouteOptions): Promise<void> {
  const { pages } = options;
  const script = loadAcceptUiScript('/assets/deposit');

  app.get(script.path, async (_request, reply) =>
    reply.header('cache-control', IMMUTABLE).type(script.contentType).send(script.body),
  );

  const answer = async (request: FastifyRequest, reply: FastifyReply, token: string, step: PaymentStep) => {
    const language = pages.language(request);
    switch (step.kind) {
      case 'booked': {
        const query = new URLSearchParams({ cancel: step.links.cancelToken, reschedule: step.links.rescheduleToken });
        return reply.redirect(`/manage/booked?${query}`, 303);
      }
      case 'pay': {
        await options.rememberOrg(request, step.summary.orgSlug, step.summary.orgName);
        const acceptUi = options.acceptUi();
        // This form alone may load AcceptUI and show its frame.
        reply.helmet(
          widenCsp({
            'script-src': [acceptUi.origin],
            'frame-src': [acceptUi.origin],
            'connect-src': [acceptUi.origin],
          }).helmet,
        );
        return pages.send(reply, step.declined ? 402 : 200, paymentPage(language, step, token, acceptUi, script.path));
      }
      case 'checking':
        if (step.summary) await options.rememberOrg(request, step.summary.orgSlug, step.summary.orgName);
        return pages.send(reply, 202, checkingPage(language, step.summary, token));
      case 'closed':
        return pages.send(reply, CLOSED_STATUS[step.reason], closedPage(language, step));
    }
  };

  app.get<{ Querystring: Static<typeof PayQuery> }>(
    PAY_PATH,
    { schema: { querystring: PayQuery } },
    async (request, reply) =>
      answer(request, reply, request.query.token, await options.deposits().page(request.query.token)),
  );

  // The schema would drop fields it does not know; a form that sends more than ours (an amount, a
  // card number) is not ours, so it is refused instead.
  const payFields = new Set(Object.keys(PayForm.properties));
  const onlyPayFields = async (request: FastifyRequest) => {
    const body = request.body as Record<string, unknown> | null;
    if (body && typeof body === 'object' && Object.keys(body).some((field) => !payFields.has(field))) {
      throw new HttpProblem(400, 'invalid_request', 'The form has fields the payment step does not send');
    }
  };

  app.post<{ Body: PayForm }>(
    PAY_PATH,
    { schema: { body: PayForm }, preValidation: onlyPayFields },
    async (request, reply) => {
      const { token, idempotencyKey, dataValue } = request.body;
      return answer(request, reply, token, await options.deposits().pay(token, idempotencyKey, dataValue));
    },
  );
}
