import { createHash, randomBytes } from 'node:crypto';
import jsforce, { type Connection } from 'jsforce';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import type { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { saveConnection } from '../../service/src/org/connections.ts';
import { OrgEmulator, type OrgEmulatorOptions } from '../../service/src/salesforce/emulator/server.ts';
import { JsforceGateway } from '../../service/src/salesforce/gateway.ts';
import type { Store } from '../../service/src/store/store.ts';
import { tempDataDir } from './backends.ts';

export const API_VERSION = '65.0';
export const REDIRECT_URI = 'https://slotwise.test/oauth/callback';

/** A clock tests move by hand: the emulator reads it for timestamps, date literals and code expiry. */
export class TestClock {
  #now: Date;
  constructor(start = '2026-03-02T12:00:00.000Z') {
    this.#now = new Date(start);
  }
  now = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
}

/** A started emulator on 127.0.0.1, closed when the test ends. */
export async function startOrgEmulator(t: Test, options: OrgEmulatorOptions = {}): Promise<OrgEmulator> {
  const org = new OrgEmulator(options);
  await org.start();
  t.teardown(() => org.close());
  return org;
}

/** A jsforce connection as the service would make one: OAuth client details plus stored tokens. */
export function connect(
  org: OrgEmulator,
  tokens?: { accessToken: string; refreshToken?: string | undefined },
): Connection {
  const session = tokens ?? org.issueSession();
  return new jsforce.Connection({
    oauth2: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrl: org.url, redirectUri: REDIRECT_URI },
    instanceUrl: org.url,
    accessToken: session.accessToken,
    ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
    version: API_VERSION,
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** What jsforce rejects with for a Salesforce error body. */
export interface ApiFailure {
  errorCode: string;
  message: string;
  data?: { fields?: string[] };
}

/** What `promise` rejects with; fails the test if it resolves. */
export async function failureOf(t: Test, promise: PromiseLike<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    const failure = error as Partial<ApiFailure> & Error;
    return {
      errorCode: failure.errorCode ?? failure.name,
      message: failure.message,
      ...(failure.data ? { data: failure.data } : {}),
    };
  }
  t.fail('expected the call to fail');
  return { errorCode: 'RESOLVED', message: '' };
}

/** The errorCode of what `promise` rejects with; fails the test if it resolves. */
export async function errorCodeOf(t: Test, promise: PromiseLike<unknown>): Promise<string> {
  return (await failureOf(t, promise)).errorCode;
}

/** The app as buildApp builds it in sandbox mode, its gateway pointed at the emulator's connected app. */
export async function appFor(t: Test, org: OrgEmulator) {
  const config = loadConfig({ DATA_DIR: tempDataDir(t), LOG_LEVEL: 'warn' });
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: () => {} }),
    tls: undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
  });
  t.teardown(() => app.close());
  return app;
}

/** The real gateway against the emulator, signed in with a session the emulator issued. */
export function gatewayFor(org: OrgEmulator): JsforceGateway {
  const session = org.issueSession();
  return new JsforceGateway({
    loadConnection: async (orgId) => ({
      orgId,
      instanceUrl: org.url,
      loginHost: new URL(org.url).host,
      integrationUserId: org.integrationUserId,
      refreshToken: session.refreshToken!,
      apiVersion: API_VERSION,
      connectedAt: new Date(),
      disconnectedAt: null,
      lastSyncAt: null,
    }),
    client: {
      clientId: org.clientId,
      clientSecret: org.clientSecret,
      redirectUri: REDIRECT_URI,
      loginUrlOverride: org.url,
    },
    allowLocalEmulator: true,
    sleep: async () => {},
  });
}

/** Stores a connection to the emulated org, as the connect flow would. */
export async function saveEmulatorConnection(store: Store, envelope: Envelope, org: OrgEmulator): Promise<void> {
  await saveConnection(
    store,
    envelope,
    {
      orgId: org.orgId,
      instanceUrl: org.url,
      loginHost: new URL(org.url).host,
      integrationUserId: org.integrationUserId,
      refreshToken: org.issueSession().refreshToken!,
      apiVersion: API_VERSION,
    },
    { allowLocalEmulator: true },
  );
}
