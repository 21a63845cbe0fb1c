import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.ts';
import { connectionSummary } from './connections.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

/** docs/org-api.yaml, components/schemas/OrgStatus. */
export const OrgStatusSchema = Type.Object(
  {
    orgId: Type.String({ pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$' }),
    connectedAt: Type.String({ format: 'date-time' }),
    sandbox: Type.Boolean(),
    lastSync: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    outboxDepth: Type.Integer({ minimum: 0 }),
    apiCallsUsed: Type.Integer({ minimum: 0 }),
    apiCallsLimit: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type OrgStatus = Static<typeof OrgStatusSchema>;

/** Routes of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function orgRoutes(v1: FastifyInstance, options: { sandbox: boolean }): Promise<void> {
  v1.get(
    '/org/status',
    { ...ORG_ROUTE, schema: { response: { 200: OrgStatusSchema } } },
    async (request): Promise<OrgStatus> => {
      const { orgId } = orgOf(request);
      const connection = await connectionSummary(v1.storeConnection.store, orgId);
      // The key was verified against a live connection a moment ago; it may have gone since.
      if (!connection || connection.disconnectedAt) {
        throw new HttpProblem(403, 'org_disconnected', 'The org is disconnecting');
      }
      return {
        orgId,
        connectedAt: connection.connectedAt.toISOString(),
        sandbox: options.sandbox,
        lastSync: connection.lastSyncAt?.toISOString() ?? null,
        // Until the outbox and the Salesforce client exist, nothing waits and no calls were made.
        outboxDepth: 0,
        apiCallsUsed: 0,
        apiCallsLimit: null,
      };
    },
  );
}
