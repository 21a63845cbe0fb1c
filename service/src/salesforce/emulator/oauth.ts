// The OAuth 2.0 endpoints the service uses: authorization code with PKCE, refresh token, revoke.
// Error bodies are Salesforce's: `{ error, error_description }` with HTTP 400.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface AuthorizationRequest {
  redirectUri: string;
  /** BASE64URL(SHA-256(code_verifier)), as the login page received it. */
  codeChallenge: string;
  /** Defaults to the emulator's integration user. */
  userId?: string;
}

export interface Session {
  accessToken: string;
  userId: string;
  refreshToken: string | undefined;
}

export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(error: string, description: string, status = 400) {
    super(description);
    this.error = error;
    this.status = status;
  }
  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

interface PendingCode extends AuthorizationRequest {
  userId: string;
  expiresAt: number;
}

interface Grant {
  userId: string;
  revoked: boolean;
}

/** Refresh tokens as the sandbox org's state file keeps them: hashed, with whom they were issued to. */
export interface OAuthState {
  refreshTokens: { tokenHash: string; userId: string; revoked: boolean }[];
}

/** Salesforce's authorization codes live for 15 minutes. */
const CODE_LIFETIME_MS = 15 * 60_000;

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Refresh tokens are kept by hash, so a saved state cannot be replayed as tokens. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface OAuthOptions {
  client: OAuthClient;
  orgId: string;
  defaultUserId: string;
  now: () => Date;
  /** Base of the `id` URL and of `instance_url`. */
  baseUrl: () => string;
  /** Called when refresh tokens are issued or revoked (the sandbox org saves its state file then). */
  onChange?: () => void;
}

export class OAuthServer {
  readonly #options: OAuthOptions;
  readonly #codes = new Map<string, PendingCode>();
  /** By token hash. */
  readonly #refreshTokens = new Map<string, Grant>();
  readonly #sessions = new Map<string, Session>();

  constructor(options: OAuthOptions) {
    this.#options = options;
  }

  exportState(): OAuthState {
    return {
      refreshTokens: [...this.#refreshTokens].map(([hash, grant]) => ({ tokenHash: hash, ...grant })),
    };
  }

  /** Honours the refresh tokens of a saved state (access tokens died with the old process). */
  importState(state: OAuthState): void {
    for (const { tokenHash: hash, userId, revoked } of state.refreshTokens) {
      this.#refreshTokens.set(hash, { userId, revoked });
    }
  }

  /** Whether the refresh token was issued here and is not revoked. */
  acceptsRefreshToken(token: string): boolean {
    const grant = this.#refreshTokens.get(tokenHash(token));
    return grant !== undefined && !grant.revoked;
  }

  /** What the login page does once the user approves: a one-time code bound to the PKCE challenge. */
  mintAuthorizationCode(request: AuthorizationRequest): string {
    const code = `aPrx${base64url(randomBytes(24))}`;
    this.#codes.set(code, {
      ...request,
      userId: request.userId ?? this.#options.defaultUserId,
      expiresAt: this.#options.now().getTime() + CODE_LIFETIME_MS,
    });
    return code;
  }

  /** An access token for the integration user without the OAuth dance, for tests and seeding. */
  issueSession(userId = this.#options.defaultUserId, withRefreshToken = true): Session {
    const refreshToken = withRefreshToken ? this.#newRefreshToken(userId) : undefined;
    return this.#newSession(userId, refreshToken);
  }

  /** The session an access token belongs to, or undefined when it is unknown, expired or revoked. */
  session(accessToken: string): Session | undefined {
    return this.#sessions.get(accessToken);
  }

  /** Ends an access token's life early, as a session timeout would; its refresh token still works. */
  expireAccessToken(accessToken: string): void {
    this.#sessions.delete(accessToken);
  }

  /** `POST /services/oauth2/token`. */
  token(params: URLSearchParams): Record<string, string> {
    this.#checkClient(params);
    switch (params.get('grant_type')) {
      case 'authorization_code':
        return this.#exchangeCode(params);
      case 'refresh_token':
        return this.#refresh(params);
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /** `POST /services/oauth2/revoke`: a refresh token takes its access tokens with it. */
  revoke(token: string): void {
    const grant = this.#refreshTokens.get(tokenHash(token));
    if (grant) {
      grant.revoked = true;
      this.#options.onChange?.();
      for (const [accessToken, session] of this.#sessions) {
        if (session.refreshToken === token) this.#sessions.delete(accessToken);
      }
      return;
    }
    if (this.#sessions.delete(token)) return;
    throw new OAuthError('unsupported_token_type', 'this token type is not supported');
  }

  #checkClient(params: URLSearchParams): void {
    const { clientId, clientSecret } = this.#options.client;
    if (params.get('client_id') !== clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (params.get('client_secret') !== clientSecret)
      throw new OAuthError('invalid_client', 'invalid client credentials');
  }

  #exchangeCode(params: URLSearchParams): Record<string, string> {
    const code = params.get('code') ?? '';
    const pending = this.#codes.get(code);
    // One use only: a replayed code fails even if the first exchange did.
    this.#codes.delete(code);
    if (!pending) throw new OAuthError('invalid_grant', 'invalid authorization code');
    if (this.#options.now().getTime() > pending.expiresAt)
      throw new OAuthError('invalid_grant', 'expired authorization code');
    if (params.get('redirect_uri') !== pending.redirectUri) {
      throw new OAuthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    }
    const verifier = params.get('code_verifier');
    if (!verifier) throw new OAuthError('invalid_grant', 'invalid code verifier');
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    if (challenge !== pending.codeChallenge) throw new OAuthError('invalid_grant', 'invalid code verifier');
    const refreshToken = this.#newRefreshToken(pending.userId);
    const session = this.#newSession(pending.userId, refreshToken);
    return { ...this.#tokenResponse(session), refresh_token: refreshToken };
  }

  #refresh(params: URLSearchParams): Record<string, string> {
    const refreshToken = params.get('refresh_token') ?? '';
    const grant = this.#refreshTokens.get(tokenHash(refreshToken));
    if (!grant || grant.revoked) throw new OAuthError('invalid_grant', 'expired access/refresh token');
    return this.#tokenResponse(this.#newSession(grant.userId, refreshToken));
  }

  #newRefreshToken(userId: string): string {
    const token = `5Aep${base64url(randomBytes(48))}`;
    this.#refreshTokens.set(tokenHash(token), { userId, revoked: false });
    this.#options.onChange?.();
    return token;
  }

  #newSession(userId: string, refreshToken: string | undefined): Session {
    const accessToken = `${this.#options.orgId.slice(0, 15)}!AQ${base64url(randomBytes(48))}`;
    const session = { accessToken, userId, refreshToken };
    this.#sessions.set(accessToken, session);
    return session;
  }

  #tokenResponse(session: Session): Record<string, string> {
    const base = this.#options.baseUrl();
    const id = `${base}/id/${this.#options.orgId}/${session.userId}`;
    const issuedAt = String(this.#options.now().getTime());
    const signature = createHmac('sha256', this.#options.client.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    return {
      access_token: session.accessToken,
      signature,
      scope: 'refresh_token api',
      instance_url: base,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }
}
