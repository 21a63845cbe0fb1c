import type { FastifyRequest } from 'fastify';

/** Who a /v1 request is from: the org its API key belongs to, and the Salesforce user it is made for. */
export interface OrgPrincipal {
  /** The 18-character org id. */
  orgId: string;
  keyId: number;
  /** X-Slotwise-User-Id, as sent (15 or 18 characters). */
  userId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by plugins/org-auth.ts on every request under /v1 before its handler runs; null elsewhere. */
    org: OrgPrincipal | null;
  }
}

/** Route options every /v1 route spreads in: the app's per-address limit gives way to the per-org one. */
export const ORG_ROUTE = { config: { rateLimit: false } } as const;

/** The org of a request under /v1 (throws elsewhere: a route outside the org API asked for it). */
export function orgOf(request: FastifyRequest): OrgPrincipal {
  if (!request.org) throw new Error('request.org is only set on routes registered inside the org API');
  return request.org;
}
