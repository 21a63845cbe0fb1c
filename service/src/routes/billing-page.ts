// The billing page: an admin buys SMS credits through a purchase link from the console
// (org/purchase-routes.ts). Server-rendered in the booking pages' shell; card entry is Authorize.Net's
// AcceptUI, so the only payment data the service receives is the nonce it returns.
//
// These pages get their own CSP, per request: script-src, frame-src and connect-src add exactly
// AcceptUI's origin, and frame-ancestors allows only the link's org's Lightning domains (so the
// console may frame the page). Every other page keeps the base policy (frame-ancestors 'none').
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { lightningOrigins } from '../billing/frame-ancestors.ts';
import { PURCHASE_TOKEN_PATTERN, verifyPurchaseToken } from '../billing/link-token.ts';
import { loadPurchaseLink, type PurchaseLink } from '../billing/links.ts';
import {
  beginPurchase,
  chargePurchase,
  findPurchase,
  linkProblem,
  settlePurchase,
  type CreditPurchase,
} from '../billing/purchases.ts';
import { purchaseDeps, startPurchaseSettlement } from '../billing/service.ts';
import { billingErrorPage, CHARGE_PATH, failedPage, payPage, pendingPage, receiptPage } from '../billing/views.ts';
import { signingKeySource } from '../booking/manage-token.ts';
import { packId, type CreditPack } from '../credits/packs.ts';
import { loadAcceptUiScript } from '../page/accept-ui.ts';
import { IMMUTABLE, loadPageAssets, type PageAssets } from '../page/assets.ts';
import { brandHex } from '../page/brand.ts';
import { renderPage, type PageContent } from '../page/layout.ts';
import { languageFor } from '../page/text/index.ts';
import { ACCEPT_DATA_DESCRIPTOR } from '../payments/authnet/client.ts';
import { BILLING_PATH } from '../org/purchase-routes.ts';
import { widenCsp } from '../plugins/security.ts';
import { HttpProblem } from '../problem.ts';

export interface BillingPageOptions {
  packs: readonly CreditPack[];
  /** SMS_CREDIT_ALLOWANCE: the credits an org's ledger opens with. */
  openingAllowance: number;
  /** How often the reconcile job looks for unsettled purchases. Default 60 s. */
  reconcileIntervalMs?: number;
}

const Token = Type.String({ pattern: PURCHASE_TOKEN_PATTERN });
const PageQuery = Type.Object({ token: Token });
const ChargeForm = Type.Object(
  {
    token: Token,
    idempotencyKey: Type.String({ pattern: '^[A-Za-z0-9_-]{22,64}$' }),
    packId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    // Absent on "Check again" (a payment already under way needs no new nonce).
    dataDescriptor: Type.Optional(Type.Union([Type.Literal(ACCEPT_DATA_DESCRIPTOR), Type.Literal('')])),
    dataValue: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9+/=_.-]+$' })),
  },
  { additionalProperties: false },
);
type ChargeForm = Static<typeof ChargeForm>;

export async function billingPageRoutes(app: FastifyInstance, options: BillingPageOptions): Promise<void> {
  await app.register(formbody);
  const script = loadAcceptUiScript('/billing/assets/billing');
  // The booking pages' stylesheet (served by routes/booking-page.ts), with the billing script.
  const assets: PageAssets = { script, stylesheet: loadPageAssets().stylesheet };
  const signingKey = signingKeySource(() => app.storeConnection.store, app.envelope);
  const deps = purchaseDeps(app, {
    packs: options.packs,
    openingAllowance: options.openingAllowance,
    chargeTimeoutMs: app.payments.timeoutMs,
  });
  startPurchaseSettlement(app, deps, options.reconcileIntervalMs);
  const acceptUi = app.payments.acceptUi;

  // The link a request is about, once known: its org's name, brand and Lightning domains.
  const links = new WeakMap<FastifyRequest, PurchaseLink>();

  const send = (reply: FastifyReply, status: number, content: PageContent) => {
    const link = links.get(reply.request);
    if (link) {
      // reply.helmet sets the headers again with these directives; X-Frame-Options would contradict
      // frame-ancestors in old browsers, so it goes.
      reply.helmet(
        widenCsp({
          'script-src': [acceptUi.origin],
          'frame-src': [acceptUi.origin],
          'connect-src': [acceptUi.origin],
          'frame-ancestors': lightningOrigins(link.instanceUrl),
        }).helmet,
      );
      reply.raw.removeHeader('x-frame-options');
    }
    const page = renderPage(
      {
        language: languageFor(reply.request.headers['accept-language']),
        assets,
        org: link ? { name: link.orgName || 'Slotwise', brandHex: brandHex(undefined) } : undefined,
      },
      content,
    );
    return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, code } = classify(error);
    if (status >= 500) request.log.error({ err: error }, 'billing page failed');
    else request.log.info({ code, status }, 'billing page refused');
    return send(reply, status, billingErrorPage(languageFor(request.headers['accept-language']), code));
  });

  /** The link a token names, or a 403/410 page; remembered for the page's CSP and header. */
  const linkOf = async (request: FastifyRequest, token: string): Promise<PurchaseLink> => {
    const claims = verifyPurchaseToken(await signingKey(), token);
    const link = claims && (await loadPurchaseLink(app.storeConnection.store, claims.linkId));
    if (!claims || !link) throw linkProblem('link_invalid');
    // The token and the row say the same; the earlier of the two wins all the same.
    const expiresAt = new Date(Math.min(link.expiresAt.getTime(), claims.expiresAt * 1000));
    links.set(request, { ...link, expiresAt });
    return { ...link, expiresAt };
  };
  const packsOf = (link: PurchaseLink) =>
    options.packs.filter((pack) => link.packId === null || packId(pack) === link.packId);
  const newKey = () => randomBytes(24).toString('base64url');
  const payState = (link: PurchaseLink, token: string, failure?: string) => ({
    orgName: link.orgName,
    token,
    idempotencyKey: newKey(),
    packs: packsOf(link),
    expiresAt: link.expiresAt,
    acceptUi,
    ...(failure ? { failure } : {}),
  });

  /** What a payment's outcome looks like: the receipt, the form again after a refusal, or "wait". */
  const answer = (reply: FastifyReply, link: PurchaseLink, token: string, purchase: CreditPurchase) => {
    const language = languageFor(reply.request.headers['accept-language']);
    switch (purchase.state) {
      case 'credited':
        return send(reply, 200, receiptPage(language, purchase));
      case 'failed':
        // The link is free again until it expires: another card may be tried.
        if (link.expiresAt > new Date() && (link.heldBy === null || link.heldBy === purchase.idempotencyKey)) {
          return send(reply, 402, payPage(language, payState(link, token, purchase.outcome ?? 'error')));
        }
        return send(reply, 402, failedPage(language, purchase));
      default:
        return send(reply, 202, pendingPage(language, purchase, { token, packId: packIdOf(purchase) }));
    }
  };

  app.get(script.path, async (_request, reply) =>
    reply.header('cache-control', IMMUTABLE).type(script.contentType).send(script.body),
  );

  app.get<{ Querystring: Static<typeof PageQuery> }>(
    BILLING_PATH,
    { schema: { querystring: PageQuery } },
    async (request, reply) => {
      const { token } = request.query;
      const link = await linkOf(request, token);
      if (link.heldBy !== null) {
        const purchase = await findPurchase(app.storeConnection.store, link.heldBy);
        if (purchase && purchase.state !== 'credited') return answer(reply, link, token, purchase);
        throw linkProblem('link_used');
      }
      if (link.expiresAt <= new Date()) throw linkProblem('link_expired');
      return send(reply, 200, payPage(languageFor(request.headers['accept-language']), payState(link, token)));
    },
  );

  // The schema would drop fields it does not know; a form that sends more than ours (a card number
  // field, an amount) is not ours, so it is refused instead.
  const chargeFields = new Set(Object.keys(ChargeForm.properties));
  const onlyChargeFields = async (request: FastifyRequest) => {
    const body = request.body as Record<string, unknown> | null;
    if (body && typeof body === 'object' && Object.keys(body).some((field) => !chargeFields.has(field))) {
      throw new HttpProblem(400, 'invalid_request', 'The form has fields the billing page does not send');
    }
  };

  app.post<{ Body: ChargeForm }>(
    CHARGE_PATH,
    { schema: { body: ChargeForm }, preValidation: onlyChargeFields },
    async (request, reply) => {
      const form = request.body;
      const link = await linkOf(request, form.token);
      const nonce = form.dataDescriptor === ACCEPT_DATA_DESCRIPTOR ? form.dataValue : undefined;
      // Only a payment already under way may be asked about without a nonce ("Check again").
      if (!nonce && !(await findPurchase(app.storeConnection.store, form.idempotencyKey))) {
        throw new HttpProblem(400, 'invalid_request', 'The card form sent no payment nonce');
      }
      const begun = await beginPurchase(deps, link.id, { idempotencyKey: form.idempotencyKey, packId: form.packId });
      const purchase =
        begun.mine && nonce
          ? await chargePurchase(deps, begun.purchase, nonce)
          : await settlePurchase(deps, begun.purchase);
      const after = (await loadPurchaseLink(app.storeConnection.store, link.id)) ?? link;
      return answer(reply, { ...after, expiresAt: link.expiresAt }, form.token, purchase);
    },
  );
}

function packIdOf(purchase: CreditPurchase): string {
  return packId({ credits: purchase.credits, price: purchase.money });
}

function classify(error: FastifyError): { status: number; code: string } {
  if (error instanceof HttpProblem) return { status: error.status, code: error.code };
  if (error.validation) return { status: 400, code: 'invalid_request' };
  if (error.statusCode === 429) return { status: 429, code: 'rate_limited' };
  const status = error.statusCode ?? 500;
  if (status === 404) return { status, code: 'not_found' };
  if (status >= 400 && status < 500) return { status, code: 'invalid_request' };
  return { status: 500, code: 'internal_error' };
}
