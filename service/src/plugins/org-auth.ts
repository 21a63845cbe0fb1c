import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { API_KEY_PATTERN, verifyApiKey } from '../org/api-keys.ts';
import { auditHook } from '../org/audit.ts';
import { auditRoutes } from '../org/audit-routes.ts';
import { bookingRoutes } from '../org/booking-routes.ts';
import { creditsRoutes, type CreditsRoutesOptions } from '../org/credits-routes.ts';
import { REFRESH_TOKEN_COLUMN } from '../org/connections.ts';
import { sameId, USER_ID_PATTERN } from '../salesforce/ids.ts';
import { orgOf } from '../org/principal.ts';
import { outboxRoutes } from '../org/outbox-routes.ts';
import { purchaseRoutes } from '../org/purchase-routes.ts';
import { orgRoutes } from '../org/routes.ts';
import { smsRoutes } from '../org/sms-routes.ts';
import { HttpProblem } from '../problem.ts';

export { ORG_ROUTE, orgOf, type OrgPrincipal } from '../org/principal.ts';

export const API_KEY_HEADER = 'x-slotwise-api-key';
export const USER_ID_HEADER = 'x-slotwise-user-id';
const WWW_AUTHENTICATE = 'ApiKey realm="slotwise", header="X-Slotwise-Api-Key"';

export interface OrgAuthOptions {
  /** Requests per org per minute across every /v1 route (per client address while unauthenticated). */
  perMinute: number;
}

function unauthorized(code: 'api_key_missing' | 'api_key_invalid'): HttpProblem {
  return code === 'api_key_missing'
    ? new HttpProblem(401, code, 'An API key is required', 'Send the org API key in the X-Slotwise-Api-Key header.')
    : new HttpProblem(
        401,
        code,
        'The API key is not valid',
        'The key is unknown, revoked or expired. Connect the org again to get a new key.',
      );
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? undefined : value;
}

/**
 * Protects every route registered after it in the instance it is applied to (the `/v1` prefix):
 * the org API key and user id headers are checked before anything else, requests are limited per
 * org, a request that names an org other than the key's is refused, and state-changing calls are
 * recorded in the org's audit trail.
 */
export async function orgAuth(v1: FastifyInstance, options: OrgAuthOptions): Promise<void> {
  v1.decorateRequest('org', null);

  // Authenticated requests count against their org (Salesforce sends every org's callouts from a
  // shared pool of addresses); the rest, bad keys included, against their address.
  const limitKeys = new WeakMap<FastifyRequest, string>();
  const limit = v1.rateLimit({
    max: options.perMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => limitKeys.get(request) ?? `ip:${request.ip}`,
  });

  v1.addHook('onRoute', (route) => {
    if (route.config?.rateLimit !== false) {
      throw new Error(`${route.method} ${route.url}: org API routes must spread ORG_ROUTE (rate-limited per org)`);
    }
  });

  v1.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    let problem: HttpProblem | undefined;
    const key = singleHeader(request, API_KEY_HEADER);
    let verified: Awaited<ReturnType<typeof verifyApiKey>>;
    if (!key) problem = unauthorized('api_key_missing');
    else if (!API_KEY_PATTERN.test(key)) problem = unauthorized('api_key_invalid');
    else {
      verified = await verifyApiKey(v1.storeConnection.store, key);
      if (!verified) problem = unauthorized('api_key_invalid');
      else limitKeys.set(request, `org:${verified.orgId}`);
    }
    await limit.call(v1, request, reply);
    if (problem) {
      reply.header('www-authenticate', WWW_AUTHENTICATE);
      throw problem;
    }
    const userId = singleHeader(request, USER_ID_HEADER);
    if (!userId || !USER_ID_PATTERN.test(userId)) {
      throw new HttpProblem(
        400,
        'user_id_invalid',
        'The user id is missing or not a Salesforce user id',
        'Send the running user id (005…) in the X-Slotwise-User-Id header.',
      );
    }
    request.org = { orgId: verified!.orgId, keyId: verified!.keyId, userId };
  });

  // After validation, so the body is parsed: a route's :orgId, or an orgId in the query or body,
  // must be the key's own org.
  v1.addHook('preHandler', async (request) => {
    const org = orgOf(request);
    for (const source of [request.params, request.query, request.body]) {
      if (source === null || typeof source !== 'object' || !('orgId' in source)) continue;
      const named = (source as { orgId: unknown }).orgId;
      if (typeof named !== 'string' || !sameId(named, org.orgId)) {
        throw new HttpProblem(403, 'wrong_org', 'This API key belongs to another org');
      }
    }
  });

  // Every state-changing call of an authenticated org, refused ones included, in org/audit.ts.
  v1.addHook('onResponse', auditHook(v1));
}

/**
 * The org API: `/v1` routes called by the org's Apex, behind `orgAuth`. Also registers the
 * connection's encrypted refresh token with key rotation.
 */
async function orgApi(
  app: FastifyInstance,
  options: OrgAuthOptions & { sandbox: boolean; credits: CreditsRoutesOptions; publicUrl: URL },
): Promise<void> {
  app.encryptedColumns.push(REFRESH_TOKEN_COLUMN);
  await app.register(
    async (v1) => {
      await orgAuth(v1, options);
      await v1.register(orgRoutes, { sandbox: options.sandbox });
      await v1.register(outboxRoutes);
      await v1.register(auditRoutes);
      await v1.register(bookingRoutes);
      // Answer 503 sms_not_configured when Twilio is not configured (no app.reminders).
      await v1.register(smsRoutes);
      await v1.register(creditsRoutes, options.credits);
      // Answers 503 payments_not_configured when Authorize.Net is not configured (no app.payments).
      await v1.register(purchaseRoutes, { packs: options.credits.packs, publicUrl: options.publicUrl });
    },
    { prefix: '/v1' },
  );
}

export const orgAuthPlugin = fp(orgApi, {
  name: 'org-auth',
  dependencies: ['store', 'encryption', 'errors', 'rate-limit'],
});
