import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import type { Queryable } from '../store/store.ts';
import { ORG_ID_PATTERN, toId18, USER_ID_PATTERN } from '../salesforce/ids.ts';

/** The refresh token's column, registered with key rotation by plugins/org-auth.ts. */
export const REFRESH_TOKEN_COLUMN: EncryptedColumn = {
  table: 'org_connection',
  column: 'refresh_token_ciphertext',
  idColumn: 'org_id',
};

export interface ConnectionInput {
  orgId: string;
  instanceUrl: string;
  loginHost: string;
  integrationUserId: string;
  refreshToken: string;
  apiVersion: string;
}

export interface Connection {
  /** Always the 18-character form. */
  orgId: string;
  /** An origin: scheme, host and port only. */
  instanceUrl: string;
  loginHost: string;
  integrationUserId: string;
  refreshToken: string;
  apiVersion: string;
  connectedAt: Date;
  disconnectedAt: Date | null;
  lastSyncAt: Date | null;
}

export interface ConnectionOptions {
  /** Also accept http://127.0.0.1 and http://localhost (any port): the local org emulator. */
  allowLocalEmulator?: boolean;
}

/** A connection's input is not what Salesforce would send; `field` names which part. */
export class InvalidConnectionError extends Error {
  readonly field: keyof ConnectionInput;
  constructor(field: keyof ConnectionInput, message: string) {
    super(message);
    this.name = 'InvalidConnectionError';
    this.field = field;
  }
}

const SALESFORCE_INSTANCE_HOST = /^([a-z0-9-]+\.)+(my\.salesforce\.com|salesforce\.com|force\.com)$/;
const STANDARD_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);
const MY_DOMAIN_HOST = /^([a-z0-9-]+\.)+my\.salesforce\.com$/;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
const LOCAL_HOST_AND_PORT = /^(127\.0\.0\.1|localhost)(:\d{1,5})?$/;
const API_VERSION = /^\d{2,3}\.0$/;
const MAX_REFRESH_TOKEN_LENGTH = 4096;

function cipherContext(orgId: string) {
  return { table: REFRESH_TOKEN_COLUMN.table, column: REFRESH_TOKEN_COLUMN.column, rowId: orgId };
}

export function normaliseOrgId(orgId: string): string {
  const id18 = toId18(orgId, ORG_ID_PATTERN);
  if (!id18)
    throw new InvalidConnectionError('orgId', 'the org id is not a Salesforce org id (00D…, 15 or 18 characters)');
  return id18;
}

/** The instance URL's origin, when it is an https Salesforce host (or, if allowed, the local emulator). */
export function validInstanceUrl(value: string, options: ConnectionOptions = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidConnectionError('instanceUrl', 'the instance URL is not a URL');
  }
  const invalid = (why: string) => new InvalidConnectionError('instanceUrl', `the instance URL ${why}`);
  if (url.username || url.password) throw invalid('must not carry credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw invalid('must be an origin only');
  const local = options.allowLocalEmulator === true && LOCAL_HOSTS.has(url.hostname);
  if (local) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('must be http(s) for the local emulator');
    return url.origin;
  }
  if (url.protocol !== 'https:') throw invalid('must be https');
  if (url.port) throw invalid('must use the default https port');
  if (!SALESFORCE_INSTANCE_HOST.test(url.hostname)) throw invalid('is not a Salesforce host');
  return url.origin;
}

export function validLoginHost(value: string, options: ConnectionOptions = {}): string {
  const host = value.toLowerCase();
  if (STANDARD_LOGIN_HOSTS.has(host) || MY_DOMAIN_HOST.test(host)) return host;
  if (options.allowLocalEmulator === true && LOCAL_HOST_AND_PORT.test(host)) return host;
  throw new InvalidConnectionError(
    'loginHost',
    'the login host must be login.salesforce.com, test.salesforce.com or a My Domain (*.my.salesforce.com)',
  );
}

function validate(input: ConnectionInput, options: ConnectionOptions): ConnectionInput {
  const integrationUserId = toId18(input.integrationUserId, USER_ID_PATTERN);
  if (!integrationUserId) {
    throw new InvalidConnectionError('integrationUserId', 'the integration user id is not a Salesforce user id (005…)');
  }
  if (!input.refreshToken || input.refreshToken.length > MAX_REFRESH_TOKEN_LENGTH || /\s/.test(input.refreshToken)) {
    throw new InvalidConnectionError('refreshToken', 'the refresh token is empty, too long or contains white space');
  }
  if (!API_VERSION.test(input.apiVersion)) {
    throw new InvalidConnectionError('apiVersion', 'the API version must look like 62.0');
  }
  return {
    orgId: normaliseOrgId(input.orgId),
    instanceUrl: validInstanceUrl(input.instanceUrl, options),
    loginHost: validLoginHost(input.loginHost, options),
    integrationUserId,
    refreshToken: input.refreshToken,
    apiVersion: input.apiVersion,
  };
}

/**
 * Stores (or, when the org connects again, replaces) the org's connection, its refresh token
 * encrypted and bound to its row. A reconnect clears `disconnected_at`. Returns the stored org id.
 */
export async function saveConnection(
  store: Queryable,
  envelope: Envelope,
  input: ConnectionInput,
  options: ConnectionOptions = {},
): Promise<string> {
  const valid = validate(input, options);
  const ciphertext = await envelope.encrypt(valid.refreshToken, cipherContext(valid.orgId));
  await store.query(
    `insert into org_connection
       (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (org_id) do update set
       instance_url = excluded.instance_url,
       login_host = excluded.login_host,
       integration_user_id = excluded.integration_user_id,
       refresh_token_ciphertext = excluded.refresh_token_ciphertext,
       api_version = excluded.api_version,
       connected_at = now(),
       disconnected_at = null`,
    [valid.orgId, valid.instanceUrl, valid.loginHost, valid.integrationUserId, ciphertext, valid.apiVersion],
  );
  return valid.orgId;
}

type ConnectionRow = {
  org_id: string;
  instance_url: string;
  login_host: string;
  integration_user_id: string;
  refresh_token_ciphertext: Buffer;
  api_version: string;
  connected_at: Date;
  disconnected_at: Date | null;
  last_sync_at: Date | null;
};

/** The org's connection with its refresh token decrypted, or undefined when it has none. */
export async function loadConnection(
  store: Queryable,
  envelope: Envelope,
  orgId: string,
): Promise<Connection | undefined> {
  const id = normaliseOrgId(orgId);
  const [row] = await store.query<ConnectionRow>('select * from org_connection where org_id = $1', [id]);
  if (!row) return undefined;
  return {
    orgId: row.org_id,
    instanceUrl: row.instance_url,
    loginHost: row.login_host,
    integrationUserId: row.integration_user_id,
    refreshToken: await envelope.decryptText(row.refresh_token_ciphertext, cipherContext(row.org_id)),
    apiVersion: row.api_version,
    connectedAt: row.connected_at,
    disconnectedAt: row.disconnected_at,
    lastSyncAt: row.last_sync_at,
  };
}

/** What a status needs, without decrypting anything. */
export async function connectionSummary(
  store: Queryable,
  orgId: string,
): Promise<{ connectedAt: Date; lastSyncAt: Date | null; disconnectedAt: Date | null } | undefined> {
  const [row] = await store.query<{ connected_at: Date; last_sync_at: Date | null; disconnected_at: Date | null }>(
    'select connected_at, last_sync_at, disconnected_at from org_connection where org_id = $1',
    [normaliseOrgId(orgId)],
  );
  return row
    ? { connectedAt: row.connected_at, lastSyncAt: row.last_sync_at, disconnectedAt: row.disconnected_at }
    : undefined;
}

/**
 * Deletes the org's connection, and with it (on delete cascade) its API keys: where deleting a
 * disconnected org's data starts. Returns whether there was one.
 */
export async function deleteConnection(store: Queryable, orgId: string): Promise<boolean> {
  const rows = await store.query('delete from org_connection where org_id = $1 returning org_id', [
    normaliseOrgId(orgId),
  ]);
  return rows.length > 0;
}
