// The OAuth 2.0 web-server flow with PKCE (S256) that connects an org: `startConnect` keeps the
// state and code verifier server-side and returns the login host's authorize URL; `finishConnect`
// takes the state back (once, within 10 minutes), exchanges the code with the verifier, reads the
// org and user from the identity URL, stores the connection and issues the org's API key.
import { createHash, randomBytes } from 'node:crypto';
import type { Envelope } from '../../crypto/envelope.ts';
import { issueApiKey } from '../../org/api-keys.ts';
import { InvalidConnectionError, saveConnection, validLoginHost } from '../../org/connections.ts';
import type { Store } from '../../store/store.ts';
import { ORG_ID_PATTERN, sameId, toId18, USER_ID_PATTERN } from '../ids.ts';
import { loginUrlFor, oauth2For, oauthErrorCode, type SalesforceClient } from './oauth-client.ts';

export const STATE_LIFETIME_MS = 10 * 60_000;
export const CONNECT_SCOPE = 'api refresh_token';

/** Why a connect flow cannot finish: shown to the admin on the callback page. */
export class ConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ConnectError';
    this.code = code;
  }
}

export interface ConnectContext {
  store: Store;
  envelope: Envelope;
  client: SalesforceClient;
  apiVersion: string;
  /** Accept the local org emulator as login host and instance (sandbox mode, tests). */
  allowLocalEmulator?: boolean;
  now?: () => Date;
}

function hashState(state: string): Buffer {
  return createHash('sha256').update(state, 'utf8').digest();
}

function verifierContext(stateHash: Buffer) {
  return { table: 'oauth_state', column: 'code_verifier_ciphertext', rowId: stateHash.toString('hex') };
}

/** Starts a connect flow; returns the URL to send the admin's browser to. */
export async function startConnect(
  context: ConnectContext,
  request: { loginHost: string; expectedOrgId?: string | undefined },
): Promise<string> {
  const loginHost = validLoginHost(request.loginHost, { allowLocalEmulator: context.allowLocalEmulator === true });
  let expectedOrgId: string | null = null;
  if (request.expectedOrgId !== undefined) {
    expectedOrgId = toId18(request.expectedOrgId, ORG_ID_PATTERN) ?? null;
    if (!expectedOrgId) throw new InvalidConnectionError('orgId', 'the org id is not a Salesforce org id');
  }
  const now = context.now?.() ?? new Date();
  const state = randomBytes(32).toString('base64url');
  // RFC 7636: 43–128 characters; 48 random bytes give 64.
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const stateHash = hashState(state);
  const ciphertext = await context.envelope.encrypt(verifier, verifierContext(stateHash));
  await context.store.query('delete from oauth_state where created_at < $1', [
    new Date(now.getTime() - STATE_LIFETIME_MS),
  ]);
  await context.store.query(
    `insert into oauth_state (state_hash, code_verifier_ciphertext, login_host, expected_org_id, created_at)
     values ($1, $2, $3, $4, $5)`,
    [stateHash, ciphertext, loginHost, expectedOrgId, now],
  );
  const url = new URL(`${loginUrlFor(loginHost, context.client)}/services/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: context.client.clientId,
    redirect_uri: context.client.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope: CONNECT_SCOPE,
  })
    .toString()
    .replace(/\+/g, '%20');
  return url.toString();
}

export interface ConnectResult {
  orgId: string;
  integrationUserId: string;
  instanceUrl: string;
  /** The org's new API key: shown once, never stored. */
  apiKey: string;
  apiKeyPrefix: string;
}

/** Finishes a connect flow from the callback's `code` and `state`. */
export async function finishConnect(
  context: ConnectContext,
  callback: { code: string; state: string },
): Promise<ConnectResult> {
  const now = context.now?.() ?? new Date();
  const stateHash = hashState(callback.state);
  // Taken and deleted in one statement: a replayed or concurrent callback finds nothing.
  const [row] = await context.store.query<{
    code_verifier_ciphertext: Buffer;
    login_host: string;
    expected_org_id: string | null;
    created_at: Date;
  }>('delete from oauth_state where state_hash = $1 returning *', [stateHash]);
  if (!row) {
    throw new ConnectError(
      'state_unknown',
      'This sign-in link is not valid or was already used. Start again from the Connect button.',
    );
  }
  if (now.getTime() - row.created_at.getTime() > STATE_LIFETIME_MS) {
    throw new ConnectError(
      'state_expired',
      'This sign-in took longer than 10 minutes. Start again from the Connect button.',
    );
  }
  const verifier = await context.envelope.decryptText(row.code_verifier_ciphertext, verifierContext(stateHash));
  const oauth2 = oauth2For(row.login_host, context.client);
  let token;
  try {
    token = await oauth2.requestToken(callback.code, { code_verifier: verifier });
  } catch (error) {
    const code = oauthErrorCode(error);
    if (code === 'invalid_grant') {
      throw new ConnectError(
        'code_invalid',
        'Salesforce refused the sign-in code (expired, already used or not for this sign-in). Start again from the Connect button.',
      );
    }
    throw new ConnectError(
      'token_failed',
      `Salesforce did not complete the sign-in (${code ?? 'no answer'}). Try again.`,
    );
  }
  const revoke = async () => {
    if (token.refresh_token) await oauth2.revokeToken(token.refresh_token).catch(() => undefined);
  };
  if (!token.refresh_token) {
    await oauth2.revokeToken(token.access_token).catch(() => undefined);
    throw new ConnectError(
      'no_refresh_token',
      'Salesforce did not grant offline access. Add the "refresh_token" scope to the connected app and try again.',
    );
  }
  // The identity URL: https://login.salesforce.com/id/<orgId>/<userId>.
  const [orgPart, userPart] = new URL(token.id).pathname.split('/').slice(-2);
  const orgId = orgPart ? toId18(orgPart, ORG_ID_PATTERN) : undefined;
  const userId = userPart ? toId18(userPart, USER_ID_PATTERN) : undefined;
  if (!orgId || !userId) {
    await revoke();
    throw new ConnectError('identity_invalid', 'Salesforce answered with an identity this service does not recognise.');
  }
  if (row.expected_org_id && !sameId(row.expected_org_id, orgId)) {
    await revoke();
    throw new ConnectError(
      'org_mismatch',
      'You signed in to a different org than the one being reconnected. Sign in to the right org and try again.',
    );
  }
  try {
    await saveConnection(
      context.store,
      context.envelope,
      {
        orgId,
        instanceUrl: token.instance_url,
        loginHost: row.login_host,
        integrationUserId: userId,
        refreshToken: token.refresh_token,
        apiVersion: context.apiVersion,
      },
      { allowLocalEmulator: context.allowLocalEmulator === true },
    );
  } catch (error) {
    await revoke();
    if (error instanceof InvalidConnectionError) throw new ConnectError('connection_invalid', error.message);
    throw error;
  }
  const key = await issueApiKey(context.store, orgId, { now });
  return {
    orgId,
    integrationUserId: userId,
    instanceUrl: token.instance_url,
    apiKey: key.key,
    apiKeyPrefix: key.prefix,
  };
}
