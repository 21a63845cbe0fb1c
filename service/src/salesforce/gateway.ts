// The one module that calls Salesforce: a jsforce Connection per org, refreshed from the stored
// refresh token, every call bounded in time, capped in concurrency per org, and retried with
// backoff when (and only when) trying again can help. Features see it through `OrgApi`.
import { setTimeout as delay } from 'node:timers/promises';
import jsforce, { type Connection as JsforceConnection, type QueryResult } from 'jsforce';
import { validInstanceUrl, type Connection as StoredConnection } from '../org/connections.ts';
import { oauth2For, oauthErrorCode, type SalesforceClient } from './connect/oauth-client.ts';
import {
  AMBIGUOUS_ERROR_CODES,
  SalesforceError,
  type ApiUsage,
  type OrgApi,
  type SalesforceRecord,
} from './org-api.ts';

export const DEFAULT_API_VERSION = '65.0';

export interface GatewayOptions {
  /** The org's stored connection with its refresh token decrypted (org/connections.ts `loadConnection`). */
  loadConnection: (orgId: string) => Promise<StoredConnection | undefined>;
  client: SalesforceClient;
  /** Accept the local org emulator's http://127.0.0.1 instance URL (sandbox mode, tests). */
  allowLocalEmulator?: boolean;
  /** Per attempt, in ms. Default 20 000. */
  timeoutMs?: number;
  /** Calls in flight per org. Default 4. */
  maxConcurrent?: number;
  /** Attempts per call, the first included. Default 3. */
  attempts?: number;
  /** First backoff, doubled each retry, with full jitter. Default 500 ms. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: { warn: (object: object, message: string) => void };
}

/**
 * Codes worth trying again at once (after a backoff): the org is briefly unavailable or a record
 * is locked by another transaction. REQUEST_LIMIT_EXCEEDED is transient (the same call succeeds
 * once the rolling 24 h allowance frees up) but is not retried here: seconds later it fails again
 * and each retry would only spend the allowance the org has left. The outbox retries it later.
 */
const RETRIED_CODES = new Set(['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW', 'UNKNOWN_EXCEPTION', 'TIMEOUT']);
const TRANSIENT_CODES = new Set([...RETRIED_CODES, 'REQUEST_LIMIT_EXCEEDED', 'NETWORK_ERROR']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*(__[crs])?$/;
const RECORD_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/** A counting semaphore: at most `max` holders, the rest wait in order. */
class Semaphore {
  readonly #max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(max: number) {
    this.#max = max;
  }
  get active(): number {
    return this.#active;
  }
  async acquire(): Promise<() => void> {
    if (this.#active >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter: `active` stays the same.
      if (next) next();
      else this.#active -= 1;
    };
  }
}

interface OrgSession {
  orgId: string;
  conn: JsforceConnection;
  slots: Semaphore;
  /** The last refresh's failure: jsforce replaces it with a plain Error, so it is kept here. */
  lastRefreshError: unknown;
  /** Set once the first access token is in hand. */
  ready: Promise<void> | undefined;
  /** A new access token (and instance URL) from the stored refresh token. */
  refresh: () => Promise<{ accessToken: string; instanceUrl: string }>;
}

type Kind = 'read' | 'idempotent-write' | 'create';

export class JsforceGateway implements OrgApi {
  readonly #options: GatewayOptions;
  readonly #sessions = new Map<string, Promise<OrgSession>>();
  readonly #usage = new Map<string, ApiUsage>();
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #attempts: number;
  readonly #backoffBaseMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#maxConcurrent = options.maxConcurrent ?? 4;
    this.#attempts = options.attempts ?? 3;
    this.#backoffBaseMs = options.backoffBaseMs ?? 500;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#random = options.random ?? Math.random;
  }

  async query<T extends SalesforceRecord>(orgId: string, soql: string): Promise<T[]> {
    return this.#queryPages<T>(orgId, soql, false);
  }

  async queryAll<T extends SalesforceRecord>(orgId: string, soql: string): Promise<T[]> {
    return this.#queryPages<T>(orgId, soql, true);
  }

  async create(orgId: string, sobject: string, fields: Record<string, unknown>): Promise<string> {
    checkName(sobject, 'sObject');
    const result = await this.#call(orgId, 'create', (conn) => conn.sobject(sobject).create(fields));
    if (!result.success || !result.id) throw saveResultError(result.errors);
    return result.id;
  }

  async update(orgId: string, sobject: string, id: string, fields: Record<string, unknown>): Promise<void> {
    checkName(sobject, 'sObject');
    if (!RECORD_ID.test(id)) throw new SalesforceError('MALFORMED_ID', `not a record id: ${JSON.stringify(id)}`, false);
    const result = await this.#call(orgId, 'idempotent-write', (conn) =>
      conn.sobject(sobject).update({ ...fields, Id: id }),
    );
    if (!result.success) throw saveResultError(result.errors);
  }

  async upsert(
    orgId: string,
    sobject: string,
    externalIdField: string,
    externalId: string,
    fields: Record<string, unknown>,
  ): Promise<{ id: string; created: boolean }> {
    checkName(sobject, 'sObject');
    checkName(externalIdField, 'external id field');
    if (!externalId) throw new SalesforceError('MISSING_ARGUMENT', 'the external id is empty', false);
    const result = (await this.#call(orgId, 'idempotent-write', (conn) =>
      // jsforce puts the value into the URL path as is: encoded here, so "/" or "?" stay part of the id.
      conn.sobject(sobject).upsert({ ...fields, [externalIdField]: encodeURIComponent(externalId) }, externalIdField),
    )) as { id?: string; success: boolean; created?: boolean; errors: unknown[] };
    if (!result.success || !result.id) throw saveResultError(result.errors);
    return { id: result.id, created: result.created === true };
  }

  usage(orgId: string): ApiUsage | undefined {
    return this.#usage.get(orgId);
  }

  /** Drops the org's cached connection (after a reconnect stored a new token, or a disconnect). */
  forget(orgId: string): void {
    this.#sessions.delete(orgId);
    this.#usage.delete(orgId);
  }

  async #queryPages<T extends SalesforceRecord>(orgId: string, soql: string, all: boolean): Promise<T[]> {
    // One gateway call per page, so each page has its own timeout, slot and retries.
    let page: QueryResult<T> = await this.#call(orgId, 'read', (conn) =>
      conn.query<T>(soql, { autoFetch: false, scanAll: all }),
    );
    const records: T[] = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      const locator = page.nextRecordsUrl;
      page = await this.#call(orgId, 'read', (conn) => conn.queryMore<T>(locator));
      records.push(...page.records);
    }
    return records;
  }

  async #call<R>(orgId: string, kind: Kind, run: (conn: JsforceConnection) => PromiseLike<R>): Promise<R> {
    const session = await this.#session(orgId);
    for (let attempt = 1; ; attempt++) {
      const release = await session.slots.acquire();
      try {
        const result = await this.#withTimeout(async () => {
          if (!session.ready) session.ready = this.#firstToken(session);
          try {
            await session.ready;
          } catch (error) {
            session.ready = undefined;
            throw error;
          }
          return run(session.conn);
        });
        this.#recordUsage(session);
        return result;
      } catch (error) {
        this.#recordUsage(session);
        const failure = classify(error, session);
        if (failure.errorCode === 'ORG_DISCONNECTED') this.forget(orgId);
        const retry =
          attempt < this.#attempts &&
          (RETRIED_CODES.has(failure.errorCode) || failure.errorCode === 'NETWORK_ERROR') &&
          // A create that may have been applied is not sent again (it would duplicate the record).
          !(kind === 'create' && AMBIGUOUS_ERROR_CODES.has(failure.errorCode));
        if (!retry) throw failure;
        this.#options.log?.warn(
          { orgId, errorCode: failure.errorCode, attempt },
          'Salesforce call failed; trying again after a backoff',
        );
      } finally {
        release();
      }
      // Full jitter: anywhere up to base × 2^(attempt−1), so retrying callers spread out.
      await this.#sleep(Math.round(this.#random() * this.#backoffBaseMs * 2 ** (attempt - 1)));
    }
  }

  /**
   * jsforce has no per-request timeout option (only the process-wide HTTP_TIMEOUT env, default 30
   * minutes), so each attempt races a timer. The HTTP request itself is not aborted by the race;
   * its slot is released when the timer fires, and the late answer is ignored.
   */
  async #withTimeout<R>(run: () => Promise<R>): Promise<R> {
    const controller = new AbortController();
    try {
      return await Promise.race([
        run(),
        delay(this.#timeoutMs, undefined, { signal: controller.signal }).then(() => {
          throw new SalesforceError('TIMEOUT', `Salesforce did not answer within ${this.#timeoutMs} ms`, true);
        }),
      ]);
    } finally {
      controller.abort();
    }
  }

  #recordUsage(session: OrgSession): void {
    const apiUsage = session.conn.limitInfo?.apiUsage;
    if (apiUsage) this.#usage.set(session.orgId, { used: apiUsage.used, max: apiUsage.limit });
  }

  #session(orgId: string): Promise<OrgSession> {
    let session = this.#sessions.get(orgId);
    if (!session) {
      session = this.#openSession(orgId);
      this.#sessions.set(orgId, session);
      session.catch(() => this.#sessions.delete(orgId));
    }
    return session;
  }

  async #openSession(orgId: string): Promise<OrgSession> {
    const stored = await this.#options.loadConnection(orgId);
    if (!stored) throw new SalesforceError('ORG_NOT_CONNECTED', `org ${orgId} is not connected`, false);
    if (stored.disconnectedAt) throw new SalesforceError('ORG_DISCONNECTED', `org ${orgId} is disconnected`, false);
    const oauth2 = oauth2For(stored.loginHost, this.#options.client);
    const refreshToken = stored.refreshToken;
    const session: OrgSession = {
      orgId: stored.orgId,
      conn: undefined as unknown as JsforceConnection,
      slots: new Semaphore(this.#maxConcurrent),
      lastRefreshError: undefined,
      ready: undefined,
      refresh: undefined as unknown as OrgSession['refresh'],
    };
    const refresh = async (): Promise<{ accessToken: string; instanceUrl: string }> => {
      try {
        const response = await oauth2.refreshToken(refreshToken);
        const instanceUrl = validInstanceUrl(response.instance_url, {
          allowLocalEmulator: this.#options.allowLocalEmulator === true,
        });
        session.lastRefreshError = undefined;
        return { accessToken: response.access_token, instanceUrl };
      } catch (error) {
        session.lastRefreshError = error;
        throw error;
      }
    };
    // The access token lives in this Connection only (memory); nothing but the refresh token is stored.
    session.conn = new jsforce.Connection({
      oauth2,
      instanceUrl: stored.instanceUrl,
      version: stored.apiVersion || DEFAULT_API_VERSION,
      // Called by jsforce when a call answers 401 (the session expired): it then repeats the call.
      refreshFn: (conn, callback) => {
        refresh().then(
          ({ accessToken, instanceUrl }) => {
            conn.instanceUrl = instanceUrl;
            callback(undefined, accessToken);
          },
          (error: Error) => callback(error),
        );
      },
    });
    session.refresh = refresh;
    takeOverRetries(session.conn, this.#timeoutMs);
    return session;
  }

  /**
   * No access token is stored, so a new Connection would send its first call without one, get a
   * 401 and only then refresh (jsforce does refresh then). Refreshing first saves that round trip.
   */
  async #firstToken(session: OrgSession): Promise<void> {
    const { accessToken, instanceUrl } = await session.refresh();
    session.conn.accessToken = accessToken;
    session.conn.instanceUrl = instanceUrl;
  }
}

/**
 * jsforce's fetch layer retries GET/PUT/DELETE itself on 5xx and socket errors (up to 5 times,
 * 0.5–8 s apart) and waits 30 minutes for an answer. Left alone, a query would spend 15 s inside
 * jsforce before the gateway saw the 503, and the gateway's retries would multiply jsforce's. The
 * Connection's transport (a private field, pinned jsforce 3.10) is given `retry.maxRetries: 0`
 * and a request timeout, so the gateway alone decides, and a timed-out request is really aborted.
 */
function takeOverRetries(conn: JsforceConnection, timeoutMs: number): void {
  const transport = (conn as unknown as { _transport?: { httpRequest?: unknown } })._transport;
  if (!transport || typeof transport.httpRequest !== 'function') return;
  const httpRequest = transport.httpRequest.bind(transport) as (request: unknown, options?: object) => unknown;
  transport.httpRequest = (request: unknown, options: object = {}) =>
    httpRequest(request, { ...options, timeout: timeoutMs, retry: { maxRetries: 0 } });
}

function checkName(name: string, what: string): void {
  if (!API_NAME.test(name) || name.endsWith('_')) {
    throw new SalesforceError('INVALID_TYPE', `not a Salesforce ${what} API name: ${JSON.stringify(name)}`, false);
  }
}

function saveResultError(errors: unknown[] | undefined): SalesforceError {
  const first = (errors?.[0] ?? {}) as { errorCode?: string; statusCode?: string; message?: string; fields?: string[] };
  const code = first.errorCode ?? first.statusCode ?? 'UNKNOWN_EXCEPTION';
  return new SalesforceError(
    code,
    first.message ?? 'Salesforce rejected the record',
    TRANSIENT_CODES.has(code),
    first.fields ?? [],
  );
}

/** A jsforce failure as a SalesforceError, transient or permanent. */
function classify(error: unknown, session: OrgSession): SalesforceError {
  if (error instanceof SalesforceError) return error;
  const refreshError = session.lastRefreshError;
  // A failed refresh: jsforce's delegate wraps it in a plain Error ("Unable to refresh session due
  // to: …"), our first-token refresh throws it as is.
  if (refreshError !== undefined && (error === refreshError || /Unable to refresh session/.test(String(error)))) {
    const oauthCode = oauthErrorCode(refreshError);
    if (oauthCode === 'invalid_grant' || oauthCode === 'invalid_client_id' || oauthCode === 'invalid_client') {
      return new SalesforceError(
        'ORG_DISCONNECTED',
        `the org's refresh token was refused (${oauthCode}): connect the org again`,
        false,
      );
    }
    if (refreshError instanceof Error && refreshError.name.startsWith('ERROR_HTTP_5')) {
      return new SalesforceError('SERVER_UNAVAILABLE', 'the login host is unavailable', true);
    }
    if (isNetworkError(refreshError)) return new SalesforceError('NETWORK_ERROR', networkMessage(refreshError), true);
    if (refreshError instanceof Error && refreshError.name === 'InvalidConnectionError') {
      return new SalesforceError('INVALID_INSTANCE_URL', refreshError.message, false);
    }
    return new SalesforceError(
      oauthCode ?? 'REFRESH_FAILED',
      refreshError instanceof Error ? refreshError.message : String(refreshError),
      false,
    );
  }
  if (isNetworkError(error)) return new SalesforceError('NETWORK_ERROR', networkMessage(error), true);
  const apiError = error as { errorCode?: unknown; message?: unknown; data?: unknown };
  if (typeof apiError.errorCode === 'string') {
    let code = apiError.errorCode;
    let fields: string[] = [];
    let message = typeof apiError.message === 'string' ? apiError.message : code;
    if (code === 'MULTIPLE_API_ERRORS' && Array.isArray(apiError.data)) {
      const first = apiError.data[0] as { errorCode?: string; message?: string } | undefined;
      code = first?.errorCode ?? code;
      message = first?.message ?? message;
    } else if (apiError.data && typeof apiError.data === 'object' && 'fields' in apiError.data) {
      const named = (apiError.data as { fields?: unknown }).fields;
      if (Array.isArray(named)) fields = named.filter((field): field is string => typeof field === 'string');
    }
    // A 5xx without Salesforce's error body: jsforce names it ERROR_HTTP_<status>.
    const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(code)?.[1];
    if (httpStatus && Number(httpStatus) >= 500) {
      return new SalesforceError(
        Number(httpStatus) === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION',
        message,
        true,
      );
    }
    return new SalesforceError(code, message, TRANSIENT_CODES.has(code), fields);
  }
  return new SalesforceError('UNEXPECTED', error instanceof Error ? error.message : String(error), false);
}

function errorCodeChain(error: unknown): string[] {
  const codes: string[] = [];
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    cause = (cause as { cause?: unknown }).cause;
  }
  return codes;
}

function isNetworkError(error: unknown): boolean {
  if (error instanceof Error && error.name === 'AbortError') return true;
  return (
    errorCodeChain(error).some((code) => NETWORK_CODES.has(code)) ||
    (error instanceof TypeError && error.message === 'fetch failed')
  );
}

function networkMessage(error: unknown): string {
  const codes = errorCodeChain(error);
  return `Salesforce could not be reached${codes.length ? ` (${codes.join(', ')})` : ''}`;
}
