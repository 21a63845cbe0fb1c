// The org audit trail: which Salesforce user made which state-changing /v1 call, and how it ended.
// Ids, the route pattern and the status only: bodies can hold personal data and are never kept.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { to18 } from '../salesforce/ids.ts';
import type { Queryable } from '../store/store.ts';

/** Calls that change something; reads are not recorded. */
const AUDITED_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const AUDIT_LIMIT_DEFAULT = 50;
export const AUDIT_LIMIT_MAX = 200;

export interface AuditEntry {
  orgId: string;
  /** X-Slotwise-User-Id (15 or 18 characters); stored in its 18-character form. */
  userId: string;
  /** Method and route pattern, e.g. `POST /v1/org/outbox/:id/retry`. */
  action: string;
  targetId: string | null;
  status: number;
  at: Date;
}

export interface AuditRow {
  id: number;
  userId: string;
  action: string;
  targetId: string | null;
  status: number;
  at: Date;
}

/**
 * Stores one entry. A call that ended the org's connection (disconnect) has nothing left to attach
 * its entry to, and every other row went with the connection: the entry is skipped, not an error.
 * Returns whether it was stored.
 */
export async function recordAudit(store: Queryable, entry: AuditEntry): Promise<boolean> {
  const rows = await store.query(
    `insert into org_audit (org_id, user_id, action, target_id, status, at)
     select $1, $2, $3, $4, $5, $6 where exists (select 1 from org_connection where org_id = $1)
     returning id`,
    [entry.orgId, to18(entry.userId.slice(0, 15)), entry.action, entry.targetId, entry.status, entry.at],
  );
  return rows.length > 0;
}

/** The org's latest entries, newest first. */
export async function listAudit(store: Queryable, orgId: string, limit: number): Promise<AuditRow[]> {
  const rows = await store.query<{
    id: number;
    user_id: string;
    action: string;
    target_id: string | null;
    status: number;
    at: Date;
  }>(
    `select id, user_id, action, target_id, status, at from org_audit
      where org_id = $1 order by at desc, id desc limit $2`,
    [orgId, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    action: row.action,
    targetId: row.target_id,
    status: row.status,
    at: row.at,
  }));
}

/** The entry for a finished /v1 request, or undefined when it is not recorded. */
export function auditEntryOf(request: FastifyRequest, reply: FastifyReply, at: Date): AuditEntry | undefined {
  // Unauthenticated and rate-limited requests have no org to record them for; unknown routes no pattern.
  const route = request.routeOptions.url;
  if (!request.org || !route || !AUDITED_METHODS.has(request.method)) return undefined;
  const params = request.params as Record<string, unknown> | undefined;
  const id = params?.id;
  const targetId = typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  return {
    orgId: request.org.orgId,
    userId: request.org.userId,
    action: `${request.method} ${route}`,
    // The raw path segment, bounded: an id that failed validation is still worth recording.
    targetId: targetId === null ? null : targetId.slice(0, 64),
    status: reply.statusCode,
    at,
  };
}

/**
 * The onResponse hook of the org API. It runs after the answer went out, so the caller's result
 * stands whatever happens here; a failed write is logged (the error's name and code, nothing from
 * the request) and the request goes unrecorded.
 */
export function auditHook(v1: FastifyInstance, now: () => Date = () => new Date()) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const entry = auditEntryOf(request, reply, now());
    if (!entry) return;
    try {
      await recordAudit(v1.storeConnection.store, entry);
    } catch (error) {
      const { name, code } = error as { name?: string; code?: unknown };
      request.log.warn(
        { orgId: entry.orgId, action: entry.action, err: { name, code: typeof code === 'string' ? code : undefined } },
        'could not record the audit entry',
      );
    }
  };
}
