import { createHash, randomBytes } from 'node:crypto';
import jsforce, { type Connection } from 'jsforce';
import type { Test } from 'tap';
import { OrgEmulator, type OrgEmulatorOptions } from '../../service/src/salesforce/emulator/server.ts';

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
