import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.ts';
import {
  AUDIT_LIMIT_DEFAULT,
  AUDIT_LIMIT_MAX,
  decodeAuditCursor,
  encodeAuditCursor,
  listAudit,
  type AuditCursor,
} from './audit.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

const DAY = Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

const AuditQuery = Type.Object(
  {
    from: Type.Optional(DAY),
    to: Type.Optional(DAY),
    limit: Type.Integer({ minimum: 1, maximum: AUDIT_LIMIT_MAX, default: AUDIT_LIMIT_DEFAULT }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/AuditEntry. */
const AuditEntrySchema = Type.Object(
  {
    entryId: Type.String(),
    occurredAt: Type.String({ format: 'date-time' }),
    actorUserId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(),
    target: Type.Union([Type.String(), Type.Null()]),
    detail: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/AuditPage. */
export const AuditPageSchema = Type.Object(
  { entries: Type.Array(AuditEntrySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type AuditPage = Static<typeof AuditPageSchema>;

const DAY_MS = 86_400_000;

/** The audit routes of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function auditRoutes(v1: FastifyInstance): Promise<void> {
  v1.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    { ...ORG_ROUTE, schema: { querystring: AuditQuery, response: { 200: AuditPageSchema } } },
    async (request): Promise<AuditPage> => {
      const { orgId } = orgOf(request);
      const { from, to, limit, cursor } = request.query;
      // Days are calendar dates (the schema's `date` format); `to` is inclusive, so: before the next day.
      const fromAt = from === undefined ? undefined : new Date(`${from}T00:00:00.000Z`);
      const before = to === undefined ? undefined : new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS);
      if (fromAt && before && fromAt.getTime() >= before.getTime()) {
        throw new HttpProblem(
          400,
          'invalid_range',
          'The range ends before it starts',
          '`to` must not be before `from`.',
        );
      }
      let after: AuditCursor | undefined;
      if (cursor !== undefined) {
        after = decodeAuditCursor(cursor);
        if (!after) {
          throw new HttpProblem(400, 'invalid_cursor', 'Unknown cursor', 'Pass the `nextCursor` of a previous page.');
        }
      }
      const page = await listAudit(v1.storeConnection.store, orgId, {
        limit,
        ...(fromAt ? { from: fromAt } : {}),
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
      });
      return {
        entries: page.rows.map((row) => ({
          entryId: String(row.id),
          occurredAt: row.at.toISOString(),
          actorUserId: row.userId,
          action: row.action,
          target: row.targetId,
          detail: `status ${row.status}`,
        })),
        nextCursor: page.next ? encodeAuditCursor(page.next) : null,
      };
    },
  );
}
