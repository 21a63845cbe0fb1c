// The connected app the service signs in with, and the OAuth2 client for an org's login host.
import jsforce from 'jsforce';

export type OAuth2 = InstanceType<typeof jsforce.OAuth2>;

/** The connected app: from SALESFORCE_CLIENT_ID/SECRET, or the local org emulator's in sandbox mode. */
export interface SalesforceClient {
  clientId: string;
  clientSecret: string;
  /** `<PUBLIC_URL>/connect/callback`: must match the connected app's callback URL exactly. */
  redirectUri: string;
  /**
   * Sends every login-host call (authorize, token, revoke) here instead of `https://<loginHost>`:
   * the org emulator's URL in sandbox mode and tests.
   */
  loginUrlOverride?: string | undefined;
}

/** Login hosts that mean "this machine": the local org emulator, spoken to over plain HTTP. */
const LOCAL_HOST = /^(127\.0\.0\.1|localhost)(:\d{1,5})?$/;

/** The base URL of the org's login host (production, sandbox, My Domain or the local emulator). */
export function loginUrlFor(loginHost: string, client: SalesforceClient): string {
  if (client.loginUrlOverride) return client.loginUrlOverride.replace(/\/+$/, '');
  return LOCAL_HOST.test(loginHost) ? `http://${loginHost}` : `https://${loginHost}`;
}

export function oauth2For(loginHost: string, client: SalesforceClient): OAuth2 {
  return new jsforce.OAuth2({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: client.redirectUri,
    loginUrl: loginUrlFor(loginHost, client),
  });
}

/** What jsforce's OAuth2 rejects with: `name` is the OAuth error (invalid_grant, …). */
export function oauthErrorCode(error: unknown): string | undefined {
  return error instanceof Error && /^[a-z_]+$/.test(error.name) ? error.name : undefined;
}
