// The write-back outbox: every write to an org is stored (encrypted) in the caller's transaction,
// then delivered by a per-org job in order per record, retried while the org is unreachable or
// over its limit, and recorded as rejected when Salesforce refuses it for good. Nothing is dropped.
import type { Envelope } from '../crypto/envelope.ts';
import { DecryptionError } from '../crypto/errors.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import { SalesforceError, type OrgApi } from '../salesforce/org-api.ts';
import type { Queryable } from '../store/store.ts';
import { nextAttemptAt, planPass, type PendingWrite } from './plan.ts';

/** The payload column, registered with key rotation by plugins/outbox.ts. */
export const OUTBOX_PAYLOAD_COLUMN: EncryptedColumn = {
  table: 'org_outbox',
  column: 'payload_ciphertext',
  idColumn: 'id',
};

type Fields = Record<string, unknown>;

/**
 * A write to an org. `upsert` (by an external id such as Booking_Key__c or Twilio_SID__c) is the
 * normal form: delivering it twice leaves the record as delivering it once. `update` by record id
 * is idempotent too. `create` is not (a crash between Salesforce's answer and the outbox marking
 * it delivered would create a second record): use it only for records that have no external id.
 */
export type OutboxWrite =
  | { orgId: string; sobject: string; operation: 'upsert'; externalIdField: string; externalId: string; fields: Fields }
  | { orgId: string; sobject: string; operation: 'update'; recordId: string; fields: Fields }
  | { orgId: string; sobject: string; operation: 'create'; fields: Fields; recordKey: string };

/** The per-record ordering key: writes with the same key are delivered one at a time, in order. */
export function recordKeyOf(write: OutboxWrite): string {
  switch (write.operation) {
    case 'upsert':
      return `${write.sobject}:${write.externalId}`;
    case 'update':
      return `${write.sobject}:${write.recordId}`;
    case 'create':
      return `${write.sobject}:${write.recordKey}`;
  }
}

function cipherContext(id: number) {
  return { table: OUTBOX_PAYLOAD_COLUMN.table, column: OUTBOX_PAYLOAD_COLUMN.column, rowId: String(id) };
}

/**
 * Stores a write in the caller's transaction (`tx`), so it is queued exactly when the change that
 * caused it commits. Wake the org's delivery job after the commit (`app.outbox.wake`); the periodic
 * sweep finds it anyway. Returns the write's id.
 */
export async function enqueueWrite(
  tx: Queryable,
  envelope: Envelope,
  write: OutboxWrite,
  now: Date = new Date(),
): Promise<number> {
  if (!write.orgId || !write.sobject) throw new TypeError('an outbox write needs an org id and an sObject');
  const [row] = await tx.query<{ id: number }>(`select nextval(pg_get_serial_sequence('org_outbox', 'id')) as id`);
  const id = row!.id;
  const ciphertext = await envelope.encrypt(JSON.stringify(write.fields), cipherContext(id));
  await tx.query(
    `insert into org_outbox (id, org_id, sobject, operation, external_id_field, external_id, record_id, record_key,
       payload_ciphertext, next_attempt_at, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
    [
      id,
      write.orgId,
      write.sobject,
      write.operation,
      write.operation === 'upsert' ? write.externalIdField : null,
      write.operation === 'upsert' ? write.externalId : null,
      write.operation === 'update' ? write.recordId : null,
      recordKeyOf(write),
      ciphertext,
      now,
    ],
  );
  return id;
}

/** Where a delivery pass reports each answer (plugins/metrics.ts counts them); optional so tests need no registry. */
export interface OutboxMetrics {
  delivered(sobject: string): void;
  rejected(sobject: string): void;
  /** An attempt that failed for a passing reason (or an unclassified one): the write stays pending. */
  failedTransiently(sobject: string): void;
}

export interface OutboxDeps {
  store: Queryable;
  envelope: Envelope;
  orgApi: OrgApi;
  now: () => Date;
  log?: { warn(obj: object, msg: string): void };
  metrics?: OutboxMetrics;
}

export interface PassResult {
  delivered: number;
  rejected: number;
  /** Set when writes remain that must wait (the org failed transiently): run the pass again then. */
  retryAt?: Date;
}

/** Pending writes considered per round: a prefix of the queue, so each write's predecessors are in it. */
const ROUND_SIZE = 200;

type OutboxRow = {
  id: number;
  sobject: string;
  operation: 'upsert' | 'update' | 'create';
  external_id_field: string | null;
  external_id: string | null;
  record_id: string | null;
  payload_ciphertext: Buffer;
  attempts: number;
};

/**
 * One delivery pass for an org: rounds of "the oldest pending write of each record, in id order"
 * until nothing is pending or the org fails transiently (then the pass stops, the failed write is
 * given its backoff, and `retryAt` says when to come back). Run one pass per org at a time (the
 * delivery job is a singleton per org); writes are marked one by one as they are answered.
 */
export async function deliverOutbox(
  deps: OutboxDeps,
  orgId: string,
  options: { signal?: AbortSignal } = {},
): Promise<PassResult> {
  const result: PassResult = { delivered: 0, rejected: 0 };
  for (;;) {
    const pending = (
      await deps.store.query<{ id: number; record_key: string; attempts: number; next_attempt_at: Date }>(
        `select id, record_key, attempts, next_attempt_at from org_outbox
          where org_id = $1 and state = 'pending' order by id limit $2`,
        [orgId, ROUND_SIZE],
      )
    ).map((row): PendingWrite => ({
      id: row.id,
      recordKey: row.record_key,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
    }));
    if (pending.length === 0) return result;
    const plan = planPass(pending, deps.now());
    if (plan.kind === 'blocked') return { ...result, retryAt: plan.until };
    const rows = await deps.store.query<OutboxRow>(
      `select id, sobject, operation, external_id_field, external_id, record_id, payload_ciphertext, attempts
         from org_outbox where id = any($1::bigint[]) and state = 'pending' order by id`,
      [plan.ids],
    );
    for (const row of rows) {
      options.signal?.throwIfAborted();
      const outcome = await deliverOne(deps, orgId, row);
      if (outcome === 'delivered') result.delivered += 1;
      else if (outcome === 'rejected') result.rejected += 1;
      else return { ...result, retryAt: outcome.retryAt };
    }
  }
}

async function deliverOne(
  deps: OutboxDeps,
  orgId: string,
  row: OutboxRow,
): Promise<'delivered' | 'rejected' | { retryAt: Date }> {
  let fields: Fields;
  try {
    fields = JSON.parse(await deps.envelope.decryptText(row.payload_ciphertext, cipherContext(row.id))) as Fields;
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    await markRejected(deps, row, 'DECRYPTION_FAILED', 'the stored payload does not decrypt');
    return 'rejected';
  }
  try {
    switch (row.operation) {
      case 'upsert':
        await deps.orgApi.upsert(orgId, row.sobject, row.external_id_field!, row.external_id!, fields);
        break;
      case 'update':
        await deps.orgApi.update(orgId, row.sobject, row.record_id!, fields);
        break;
      case 'create':
        await deps.orgApi.create(orgId, row.sobject, fields);
        break;
    }
  } catch (error) {
    const now = deps.now();
    if (error instanceof SalesforceError && !error.transient) {
      await markRejected(deps, row, error.errorCode, describe(error));
      return 'rejected';
    }
    // Transient, or not classified (a bug or a network failure the gateway did not map): keep it.
    const attempts = row.attempts + 1;
    const retryAt = nextAttemptAt(attempts, now);
    const code = error instanceof SalesforceError ? error.errorCode : 'UNEXPECTED_ERROR';
    await deps.store.query(
      `update org_outbox set attempts = $2, next_attempt_at = $3, last_error_code = $4, last_error = $5,
         last_attempt_at = $6 where id = $1`,
      [row.id, attempts, retryAt, code, error instanceof SalesforceError ? describe(error) : 'unexpected error', now],
    );
    deps.metrics?.failedTransiently(row.sobject);
    if (!(error instanceof SalesforceError)) deps.log?.warn({ err: error, outboxId: row.id }, 'outbox write failed');
    return { retryAt };
  }
  await deps.store.query(
    `update org_outbox set state = 'delivered', delivered_at = $2, last_attempt_at = $2, attempts = attempts + 1,
       payload_ciphertext = null where id = $1`,
    [row.id, deps.now()],
  );
  deps.metrics?.delivered(row.sobject);
  return 'delivered';
}

/** The error without Salesforce's message, which can quote the values written (personal data). */
function describe(error: SalesforceError): string {
  return error.fields.length > 0 ? `${error.errorCode} on ${error.fields.join(', ')}` : error.errorCode;
}

async function markRejected(deps: OutboxDeps, row: OutboxRow, code: string, message: string): Promise<void> {
  await deps.store.query(
    `update org_outbox set state = 'rejected', attempts = attempts + 1, last_error_code = $2, last_error = $3,
       last_attempt_at = $4 where id = $1`,
    [row.id, code, message, deps.now()],
  );
  deps.metrics?.rejected(row.sobject);
}

/** Writes waiting for delivery: what `GET /v1/org/status` reports as the outbox depth. */
export async function outboxDepth(store: Queryable, orgId: string): Promise<number> {
  const [row] = await store.query<{ depth: number }>(
    `select count(*)::int as depth from org_outbox where org_id = $1 and state = 'pending'`,
    [orgId],
  );
  return row?.depth ?? 0;
}

export interface OutboxStatus {
  pending: number;
  rejected: number;
  oldestPendingAt: Date | null;
  /** The latest rejections (newest first), for the admin: what Salesforce refused and why. */
  lastRejected: { id: number; sobject: string; errorCode: string; error: string; at: Date }[];
}

export async function outboxStatus(store: Queryable, orgId: string, limit = 10): Promise<OutboxStatus> {
  const [counts] = await store.query<{ pending: number; rejected: number; oldest: Date | null }>(
    `select count(*) filter (where state = 'pending')::int as pending,
            count(*) filter (where state = 'rejected')::int as rejected,
            min(created_at) filter (where state = 'pending') as oldest
       from org_outbox where org_id = $1 and state <> 'delivered'`,
    [orgId],
  );
  const rejected = await store.query<{
    id: number;
    sobject: string;
    last_error_code: string;
    last_error: string;
    last_attempt_at: Date;
  }>(
    `select id, sobject, last_error_code, last_error, last_attempt_at from org_outbox
      where org_id = $1 and state = 'rejected' order by id desc limit $2`,
    [orgId, limit],
  );
  return {
    pending: counts?.pending ?? 0,
    rejected: counts?.rejected ?? 0,
    oldestPendingAt: counts?.oldest ?? null,
    lastRejected: rejected.map((row) => ({
      id: row.id,
      sobject: row.sobject,
      errorCode: row.last_error_code,
      error: row.last_error,
      at: row.last_attempt_at,
    })),
  };
}

/**
 * Puts a rejected write back in the queue (after the admin fixed the cause). Only the latest write
 * of its record can be retried: a later one already carries newer state, and sending the older one
 * after it would undo it. Returns whether the write was put back.
 */
export async function retryRejected(
  store: Queryable,
  orgId: string,
  id: number,
  now: Date = new Date(),
): Promise<boolean> {
  const rows = await store.query(
    `update org_outbox o set state = 'pending', attempts = 0, next_attempt_at = $3
      where o.org_id = $1 and o.id = $2 and o.state = 'rejected'
        and not exists (select 1 from org_outbox later
                         where later.org_id = o.org_id and later.record_key = o.record_key and later.id > o.id)
      returning o.id`,
    [orgId, id, now],
  );
  return rows.length > 0;
}

/** Orgs with pending writes that are due: the sweep wakes their delivery jobs. */
export async function orgsWithDueWrites(store: Queryable, now: Date): Promise<string[]> {
  const rows = await store.query<{ org_id: string }>(
    `select distinct org_id from org_outbox where state = 'pending' and next_attempt_at <= $1`,
    [now],
  );
  return rows.map((row) => row.org_id);
}
