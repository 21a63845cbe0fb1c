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

/** Where a page of the log ends: the next page starts after this entry (newest first). */
export interface AuditCursor {
  at: Date;
  id: number;
}

export interface AuditPageQuery {
  /** Entries at or after this instant. */
  from?: Date;
  /** Entries before this instant. */
  before?: Date;
  limit: number;
  after?: AuditCursor;
}

/** A page of the org's log, newest first, and the cursor of the page after it (null on the last). */
export async function listAudit(
  store: Queryable,
  orgId: string,
  query: AuditPageQuery,
): Promise<{ rows: AuditRow[]; next: AuditCursor | null }> {
  const rows = await store.query<{
    id: number;
    user_id: string;
    action: string;
    target_id: string | null;
    status: number;
    at: Date;
  }>(
    `select id, user_id, action, target_id, status, at from org_audit
      where org_id = $1
        and ($2::timestamptz is null or at >= $2)
        and ($3::timestamptz is null or at < $3)
        and ($4::timestamptz is null or (at, id) < ($4, $5::bigint))
      order by at desc, id desc limit $6`,
    [orgId, query.from ?? null, query.before ?? null, query.after?.at ?? null, query.after?.id ?? 0, query.limit + 1],
  );
  const page = rows.slice(0, query.limit).map((row) => ({
    id: row.id,
    userId: row.user_id,
    action: row.action,
    targetId: row.target_id,
    status: row.status,
    at: row.at,
  }));
  const last = page.at(-1);
  return { rows: page, next: rows.length > query.limit && last ? { at: last.at, id: last.id } : null };
}

/** The cursor as the API passes it around: opaque to callers. */
export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString('base64url');
}

/** The cursor a page handed out, or undefined when the text is not one. */
export function decodeAuditCursor(text: string): AuditCursor | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,18})$/.exec(
    Buffer.from(text, 'base64url').toString('utf8'),
  );
  if (!match) return undefined;
  const at = new Date(match[1]!);
  const id = Number(match[2]);
  return Number.isNaN(at.getTime()) || !Number.isSafeInteger(id) ? undefined : { at, id };
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
