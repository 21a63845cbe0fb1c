/**
 * What the service asks of a connected org. One implementation, `gateway.ts`, owns every
 * Salesforce call (jsforce, token refresh, retries, limits); features depend on this interface.
 * Every method takes the org id of a stored connection.
 */
export interface OrgApi {
  /** Every row of a SOQL query (all pages). Build SOQL with `soql` from `soql.ts`, never by concatenation. */
  query<T extends SalesforceRecord>(orgId: string, soql: string): Promise<T[]>;
  /** As `query`, including deleted rows (IsDeleted = true). */
  queryAll<T extends SalesforceRecord>(orgId: string, soql: string): Promise<T[]>;
  create(orgId: string, sobject: string, fields: Record<string, unknown>): Promise<string>;
  update(orgId: string, sobject: string, id: string, fields: Record<string, unknown>): Promise<void>;
  /** Creates or updates the record whose `externalIdField` equals `externalId`; returns its id. */
  upsert(
    orgId: string,
    sobject: string,
    externalIdField: string,
    externalId: string,
    fields: Record<string, unknown>,
  ): Promise<{ id: string; created: boolean }>;
  /** API calls used and allowed in the last 24 h, from the last Sforce-Limit-Info header seen. */
  usage(orgId: string): ApiUsage | undefined;
}

export interface SalesforceRecord {
  Id: string;
  [field: string]: unknown;
}

export interface ApiUsage {
  used: number;
  max: number;
}

/** Failures after which a write that is not idempotent (a create) may or may not have been applied. */
export const AMBIGUOUS_ERROR_CODES: ReadonlySet<string> = new Set(['NETWORK_ERROR', 'TIMEOUT', 'UNKNOWN_EXCEPTION']);

/** Whether a failed write may still have reached the org (anything but a definite Salesforce refusal). */
export function mayHaveBeenApplied(error: unknown): boolean {
  return !(error instanceof SalesforceError) || AMBIGUOUS_ERROR_CODES.has(error.errorCode);
}

/** A Salesforce refusal, classified so callers know whether trying again can help. */
export class SalesforceError extends Error {
  /** Salesforce's errorCode, e.g. INVALID_FIELD, UNABLE_TO_LOCK_ROW, REQUEST_LIMIT_EXCEEDED. */
  readonly errorCode: string;
  /** True for outages, lock contention and limits: the same call may succeed later. */
  readonly transient: boolean;
  readonly fields: readonly string[];
  constructor(errorCode: string, message: string, transient: boolean, fields: readonly string[] = []) {
    super(message);
    this.name = 'SalesforceError';
    this.errorCode = errorCode;
    this.transient = transient;
    this.fields = fields;
  }
}
