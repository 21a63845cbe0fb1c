import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, listAudit } from './audit.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

const AuditQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: AUDIT_LIMIT_MAX, default: AUDIT_LIMIT_DEFAULT }) },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/OrgAuditEntry. */
const OrgAuditEntrySchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: Type.String({ format: 'date-time' }),
    userId: Type.String(),
    action: Type.String(),
    targetId: Type.Union([Type.String(), Type.Null()]),
    status: Type.Integer(),
  },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/OrgAuditList. */
export const OrgAuditListSchema = Type.Object(
  { entries: Type.Array(OrgAuditEntrySchema) },
  { additionalProperties: false },
);
export type OrgAuditList = Static<typeof OrgAuditListSchema>;

/** The audit routes of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function auditRoutes(v1: FastifyInstance): Promise<void> {
  v1.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/org/audit',
    { ...ORG_ROUTE, schema: { querystring: AuditQuery, response: { 200: OrgAuditListSchema } } },
    async (request): Promise<OrgAuditList> => {
      const { orgId } = orgOf(request);
      const rows = await listAudit(v1.storeConnection.store, orgId, request.query.limit);
      return { entries: rows.map((row) => ({ ...row, at: row.at.toISOString() })) };
    },
  );
}
