import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { oauth2For } from '../salesforce/connect/oauth-client.ts';
import { revokeApiKeys } from './api-keys.ts';
import { connectionSummary, deleteConnection, loadConnection } from './connections.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

const DateTimeSchema = Type.String({ format: 'date-time' });

/** docs/org-api.yaml, components/schemas/OutboxStatus: never the error text, only Salesforce's errorCode. */
export const OutboxStatusSchema = Type.Object(
  {
    pending: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
    oldestPendingAt: Type.Union([DateTimeSchema, Type.Null()]),
    lastRejected: Type.Array(
      Type.Object(
        // id: what POST /v1/org/outbox/{id}/retry takes.
        { id: Type.Integer({ minimum: 1 }), sobject: Type.String(), errorCode: Type.String(), at: DateTimeSchema },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/OrgStatus. */
export const OrgStatusSchema = Type.Object(
  {
    orgId: Type.String({ pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$' }),
    connectedAt: Type.String({ format: 'date-time' }),
    sandbox: Type.Boolean(),
    lastSync: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    outboxDepth: Type.Integer({ minimum: 0 }),
    outbox: OutboxStatusSchema,
    apiCallsUsed: Type.Integer({ minimum: 0 }),
    apiCallsLimit: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type OrgStatus = Static<typeof OrgStatusSchema>;

export const DisconnectResultSchema = Type.Object(
  {
    orgId: Type.String(),
    /** False when Salesforce could not be reached to revoke the refresh token (it is deleted here anyway). */
    tokenRevoked: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DisconnectResult = Static<typeof DisconnectResultSchema>;

/** How long a disconnect waits for Salesforce to revoke the token before going on without it. */
const REVOKE_TIMEOUT_MS = 10_000;

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
      const usage = v1.orgApi.usage(orgId);
      const outbox = await v1.outbox.status(orgId);
      return {
        orgId,
        connectedAt: connection.connectedAt.toISOString(),
        sandbox: options.sandbox,
        lastSync: connection.lastSyncAt?.toISOString() ?? null,
        outboxDepth: outbox.pending,
        outbox: {
          pending: outbox.pending,
          rejected: outbox.rejected,
          oldestPendingAt: outbox.oldestPendingAt?.toISOString() ?? null,
          // The error text is Salesforce's message (it can echo field values); the code and object say enough.
          lastRejected: outbox.lastRejected.map((write) => ({
            id: write.id,
            sobject: write.sobject,
            errorCode: write.errorCode,
            at: write.at.toISOString(),
          })),
        },
        // As last reported by Salesforce to this process; unknown until it has made a call.
        apiCallsUsed: usage?.used ?? 0,
        apiCallsLimit: usage?.max ?? null,
      };
    },
  );

  // Revokes the refresh token at Salesforce (best effort: an unreachable org does not keep its
  // connection here), then revokes the org's keys and deletes its connection.
  v1.post(
    '/org/disconnect',
    { ...ORG_ROUTE, schema: { response: { 200: DisconnectResultSchema } } },
    async (request): Promise<DisconnectResult> => {
      const { orgId, userId } = orgOf(request);
      const store = v1.storeConnection.store;
      const connection = await loadConnection(store, v1.envelope, orgId);
      const client = v1.salesforce.client;
      let tokenRevoked = false;
      if (connection && client) {
        const timeout = new AbortController();
        try {
          await Promise.race([
            oauth2For(connection.loginHost, client).revokeToken(connection.refreshToken),
            delay(REVOKE_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() => {
              throw new Error(`no answer within ${REVOKE_TIMEOUT_MS} ms`);
            }),
          ]);
          tokenRevoked = true;
        } catch (error) {
          request.log.warn(
            { orgId, err: { name: (error as Error).name, message: (error as Error).message } },
            'could not revoke the refresh token at Salesforce; deleting it anyway',
          );
        } finally {
          timeout.abort();
        }
      }
      await store.transaction(async (tx) => {
        await revokeApiKeys(tx, orgId);
        await deleteConnection(tx, orgId);
      });
      v1.salesforce.gateway.forget(orgId);
      // The audit trail went with the connection: this line is what remains of who disconnected.
      request.log.info({ orgId, userId, tokenRevoked }, 'org disconnected');
      return { orgId, tokenRevoked };
    },
  );
}
