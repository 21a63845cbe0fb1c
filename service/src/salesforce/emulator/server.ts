// The org emulator: a Salesforce REST subset over HTTP that real jsforce talks to unchanged. Its
// schema is force-app's metadata and its access the integration permission set, so what fails
// here for a missing or ungranted field fails in a real org too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { authorize, type PageResponse } from './authorize.ts';
import { SalesforceError, notFound } from './errors.ts';
import { FaultPlan, requestFaultError, type FaultSpec } from './faults.ts';
import { IdGenerator } from './ids.ts';
import { OAuthError, OAuthServer, type AuthorizationRequest, type Session } from './oauth.ts';
import { PermissionSet } from './permissions.ts';
import { handleRest, type RestContext } from './rest.ts';
import { loadSchema, type ObjectDef, type Schema } from './schema.ts';
import { readStateFile, writeStateFile } from './state-file.ts';
import { RecordStore, type StoredRecord } from './store.ts';

const REPO_FORCE_APP = join(import.meta.dirname, '..', '..', '..', '..', 'force-app');
const DEFAULT_ORG_ID = '00D5g00000EmuLAEAZ';
/** Writes close together (a sync tick, a seeding) become one save of the state file. */
const SAVE_DELAY_MS = 250;

export interface OrgEmulatorOptions {
  /** The Salesforce package to read objects and fields from. Default: this repository's force-app. */
  forceAppDir?: string;
  /** The permission set the integration user has. Default: force-app's Slotwise_Integration. */
  permissionSetPath?: string;
  /** The connected app's consumer key and secret. */
  clientId?: string;
  clientSecret?: string;
  /**
   * The connected app's callback URLs: the authorize page sends codes only there. Default: any
   * https URL or http://localhost one.
   */
  callbackUrls?: string[];
  /** The org's clock: CreatedDate, SystemModstamp, date literals and code expiry use it. */
  now?: () => Date;
  /** Rows per query page before nextRecordsUrl (Salesforce's default is 2000). */
  queryBatchSize?: number;
  /** The daily allowance reported in Sforce-Limit-Info. */
  dailyApiLimit?: number;
  /** The org's name (Organization.Name). Default: the demo clinic's. */
  orgName?: string;
  host?: string;
  port?: number;
  /**
   * Keep the org in this file (the sandbox's demo org): loaded by the constructor when it exists,
   * saved after changes (debounced) and on close. Its org id and client credentials win over the
   * options above, since the refresh tokens it holds were issued to them. A file that is not a
   * saved org throws EmulatorStateError naming it.
   */
  stateFile?: string;
  /** A save after a change failed (it is tried again after the next change and on close). */
  onSaveError?: (error: unknown) => void;
}

export class OrgEmulator {
  readonly orgId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly schema: Schema;
  readonly permissions: PermissionSet;
  /** The user the integration connects as; owner of what the API writes. */
  readonly integrationUserId: string;
  /** Whether the org was loaded from its state file rather than made empty. */
  readonly restored: boolean;
  readonly #store: RecordStore;
  readonly #oauth: OAuthServer;
  readonly #faults = new FaultPlan();
  readonly #options: OrgEmulatorOptions;
  readonly #cursors = new Map<string, never>() as RestContext['cursors'];
  readonly #now: () => Date;
  #apiUsed = 0;
  #saveTimer: NodeJS.Timeout | undefined;
  #server: Server | undefined;
  #url = '';

  constructor(options: OrgEmulatorOptions = {}) {
    this.#options = options;
    const forceAppDir = options.forceAppDir ?? REPO_FORCE_APP;
    this.schema = loadSchema(forceAppDir);
    this.permissions = PermissionSet.fromFile(
      options.permissionSetPath ??
        join(forceAppDir, 'main', 'default', 'permissionsets', 'Slotwise_Integration.permissionset-meta.xml'),
    );
    const saved = options.stateFile === undefined ? undefined : readStateFile(options.stateFile);
    this.restored = saved !== undefined;
    this.orgId = saved?.orgId ?? DEFAULT_ORG_ID;
    this.clientId = saved?.clientId ?? options.clientId ?? 'emulator-client-id';
    this.clientSecret = saved?.clientSecret ?? options.clientSecret ?? 'emulator-client-secret';
    this.#now = options.now ?? (() => new Date());
    this.integrationUserId = new IdGenerator('0I').next('005');
    // What the constructor itself creates is the starting state, not a change to save: an emulator
    // opened on a state file must not write that file back unless something happens.
    let constructed = false;
    const onChange = () => {
      if (constructed) this.#scheduleSave();
    };
    this.#store = new RecordStore({ schema: this.schema, now: this.#now, userId: this.integrationUserId, onChange });
    const users = this.#object('User');
    // The integration user exists as a record, so Owner/CreatedBy lookups resolve.
    this.#store.insert(
      users,
      { Name: 'Slotwise Integration', Email: 'integration@example.invalid' },
      this.integrationUserId,
    );
    this.#store.insert(
      this.#object('Organization'),
      { Name: options.orgName ?? 'Riverside Physiotherapy Clinic' },
      this.orgId,
    );
    this.#oauth = new OAuthServer({
      client: { clientId: this.clientId, clientSecret: this.clientSecret },
      orgId: this.orgId,
      defaultUserId: this.integrationUserId,
      now: this.#now,
      baseUrl: () => this.url,
      onChange,
    });
    if (saved) {
      this.#store.importState(saved.records);
      this.#oauth.importState(saved.oauth);
    }
    constructed = true;
  }

  /** Base URL: both the login URL and the instance URL. Set once `start()` resolves. */
  get url(): string {
    return this.#url;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    this.#server = server;
    this.#url = `http://${address}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server) {
      this.#server = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    }
    this.save();
  }

  // --- the state file ----------------------------------------------------------------------------

  /** Writes the state file now (when there is one), instead of after the pending delay. */
  save(): void {
    const file = this.#options.stateFile;
    if (file === undefined) return;
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    writeStateFile(file, {
      version: 1,
      orgId: this.orgId,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      records: this.#store.exportState(),
      oauth: this.#oauth.exportState(),
    });
  }

  #scheduleSave(): void {
    if (this.#options.stateFile === undefined || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      try {
        this.save();
      } catch (error) {
        this.#options.onSaveError?.(error);
      }
    }, SAVE_DELAY_MS);
    // A pending save never keeps the process alive: close() writes whatever is left.
    this.#saveTimer.unref();
  }

  // --- the login page and sessions --------------------------------------------------------------

  /** What the login page hands back after the user approves: a code for this redirect and challenge. */
  mintAuthorizationCode(request: AuthorizationRequest): string {
    return this.#oauth.mintAuthorizationCode(request);
  }

  /** Tokens for the integration user without the OAuth dance. */
  issueSession(): Session {
    return this.#oauth.issueSession();
  }

  /** Whether the refresh token was issued by this org (now or before a restart) and not revoked. */
  acceptsRefreshToken(token: string): boolean {
    return this.#oauth.acceptsRefreshToken(token);
  }

  /** Ends an access token early; its refresh token still works (so jsforce refreshes). */
  expireAccessToken(accessToken: string): void {
    this.#oauth.expireAccessToken(accessToken);
  }

  // --- faults ----------------------------------------------------------------------------------

  injectFault(spec: FaultSpec): void {
    this.#faults.add(spec);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** API calls made so far, as Sforce-Limit-Info reports them. */
  get apiUsage(): { used: number; max: number } {
    return { used: this.#apiUsed, max: this.#options.dailyApiLimit ?? 15_000 };
  }

  // --- data, around permissions -------------------------------------------------------------------

  /** Inserts a record as the platform would (defaults, auto-numbers, uniqueness), ignoring permissions. */
  insert(objectName: string, values: Record<string, unknown>): StoredRecord {
    return { ...this.#store.insert(this.#object(objectName), values) };
  }

  update(objectName: string, id: string, values: Record<string, unknown>): StoredRecord {
    return { ...this.#store.update(this.#object(objectName), id, values) };
  }

  /** Soft-deletes a record as the recycle bin does, ignoring permissions. */
  delete(objectName: string, id: string): void {
    this.#store.delete(this.#object(objectName), id);
  }

  /** Copies of the object's records; deleted ones only with `includeDeleted`. */
  records(objectName: string, options: { includeDeleted?: boolean } = {}): StoredRecord[] {
    return this.#store.all(this.#object(objectName), options.includeDeleted).map((record) => ({ ...record }));
  }

  record(objectName: string, id: string): StoredRecord | undefined {
    const record = this.#store.get(this.#object(objectName), id, true);
    return record ? { ...record } : undefined;
  }

  #object(name: string): ObjectDef {
    const object = this.schema.object(name);
    if (!object) throw new Error(`the org has no object ${name}`);
    return object;
  }

  // --- HTTP --------------------------------------------------------------------------------------

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://emulator');
      const body = await readBody(request);
      if (url.pathname.startsWith('/services/oauth2/')) return this.#handleOAuth(request, response, url, body);
      const data = /^\/services\/data\/v(\d+\.\d+)(?:\/(.*))?$/.exec(url.pathname);
      if (!data) return send(response, 404, notFound().body());
      await this.#handleData(request, response, url, body, data[1]!, data[2] ?? '');
    } catch (error) {
      if (!response.headersSent) send(response, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }]);
    }
  }

  #handleOAuth(request: IncomingMessage, response: ServerResponse, url: URL, body: string): void {
    try {
      const params = new URLSearchParams(body);
      if (url.pathname === '/services/oauth2/authorize') {
        const method = request.method ?? 'GET';
        return sendPage(
          response,
          authorize(method, method === 'POST' ? params : url.searchParams, {
            clientId: this.clientId,
            callbackUrls: this.#options.callbackUrls ?? [],
            userName: String(this.#store.get(this.#object('User'), this.integrationUserId)?.Name ?? 'integration user'),
            mintCode: (request) => this.#oauth.mintAuthorizationCode(request),
          }),
        );
      }
      if (url.pathname === '/services/oauth2/token' && request.method === 'POST') {
        return send(response, 200, this.#oauth.token(params));
      }
      if (url.pathname === '/services/oauth2/revoke' && request.method === 'POST') {
        this.#oauth.revoke(params.get('token') ?? url.searchParams.get('token') ?? '');
        return send(response, 200, undefined);
      }
      if (url.pathname === '/services/oauth2/userinfo') {
        const session = this.#session(request);
        if (!session) return send(response, 403, 'Bad_OAuth_Token');
        const user = this.#store.get(this.#object('User'), session.userId);
        return send(response, 200, {
          user_id: session.userId,
          organization_id: this.orgId,
          name: user?.Name ?? null,
          email: user?.Email ?? null,
        });
      }
      send(response, 404, notFound().body());
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      send(response, error.status, error.body());
    }
  }

  #session(request: IncomingMessage): Session | undefined {
    const match = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
    return match ? this.#oauth.session(match[1]!) : undefined;
  }

  async #handleData(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    body: string,
    apiVersion: string,
    rest: string,
  ): Promise<void> {
    this.#apiUsed += 1;
    const limitHeader = { 'sforce-limit-info': `api-usage=${this.#apiUsed}/${this.apiUsage.max}` };
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const fault = this.#faults.takeRequestFault(token);
    if (fault?.kind === 'connection-reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await delay(fault.delayMs ?? 1_000);
    const faultError = fault ? requestFaultError(fault) : undefined;
    if (faultError) return send(response, faultError.status, faultError.body(), limitHeader);
    if (!token || !this.#oauth.session(token)) {
      return send(
        response,
        401,
        [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        limitHeader,
      );
    }
    try {
      let parsed: unknown = undefined;
      if (body) {
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
        }
      }
      const result = handleRest(
        {
          schema: this.schema,
          permissions: this.permissions,
          store: this.#store,
          faults: this.#faults,
          now: this.#now(),
          batchSize: this.#options.queryBatchSize ?? 2000,
          cursors: this.#cursors,
          apiUsage: () => this.apiUsage,
        },
        {
          method: request.method ?? 'GET',
          apiVersion,
          segments: rest.split('/').filter(Boolean).map(decodeURIComponent),
          query: url.searchParams,
          headers: request.headers,
          body: parsed,
        },
      );
      send(response, result.status, result.body, limitHeader);
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      send(response, error.status, error.body(), limitHeader);
    }
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendPage(response: ServerResponse, page: PageResponse): void {
  response.writeHead(page.status, page.headers).end(page.body);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined || status === 204) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response
    .writeHead(status, {
      ...headers,
      'content-type': typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}
