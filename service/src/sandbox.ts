// Sandbox mode's stand-in for Salesforce: the org emulator on this machine, seeded with the demo
// clinic and kept in DATA_DIR/sandbox-org, as the connected app and login host of every connect
// flow. The demo org is connected at first start, so its booking page works without a click.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppDependencies } from './app.ts';
import type { Config } from './config.ts';
import { startAuthNetStandIn } from './payments/authnet/standin/server.ts';
import { loadConnection, type Connection } from './org/connections.ts';
import { finishConnect, startConnect, type ConnectContext } from './salesforce/connect/flow.ts';
import { seedDemoClinic } from './salesforce/emulator/demo.ts';
import { OrgEmulator } from './salesforce/emulator/server.ts';
import { TwilioStandIn } from './sms/standin/server.ts';

/** The sandbox cannot start for a reason a person can fix; the message says how. */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

export interface Sandbox {
  /** For buildApp: the emulator's connected app, and its URL for every login host. */
  salesforce: NonNullable<AppDependencies['salesforce']>;
  /** For buildApp: the Twilio stand-in as Twilio, so reminders and replies run end to end. */
  twilio: NonNullable<AppDependencies['twilio']>;
  /** For buildApp: the Authorize.Net stand-in (API, AcceptUI form, signed webhooks) as Authorize.Net. */
  authnet: NonNullable<AppDependencies['authnet']>;
  /** Lines to print with the welcome: the demo clinic's booking page, and where to connect the demo org. */
  urls: string[];
  /**
   * Once the store is ready, connects the demo org through the connect flow unless its stored
   * connection still works (same emulator address, a refresh token the emulator still honours).
   * Never rejects: a failure is logged, and the Connect link still works.
   */
  connectDemoOrg(app: FastifyInstance): Promise<void>;
  /** Stops the emulator and saves its state (after the app, whose sync and outbox talk to it). */
  close(): Promise<void>;
}

/** The sandbox's sender: a number Twilio reserves for tests. */
const SANDBOX_SMS_FROM = '+15005550006';

/** Where the demo org lives between runs; delete its folder to start the demo afresh. */
export function sandboxOrgStateFile(dataDir: string): string {
  return join(dataDir, 'sandbox-org', 'state.json');
}

/**
 * Starts the org emulator on 127.0.0.1:SANDBOX_ORG_PORT, from its state file when there is one,
 * else as a new org seeded with the demo clinic. A stable port keeps the stored instance URL valid.
 */
export async function startSandbox(config: Config, logger: FastifyBaseLogger): Promise<Sandbox> {
  const org = new OrgEmulator({
    host: '127.0.0.1',
    port: config.sandboxOrgPort,
    callbackUrls: [new URL('/connect/callback', config.publicUrl).toString()],
    stateFile: sandboxOrgStateFile(config.dataDir),
    // A new demo org's connected app gets its own credentials; a restored org keeps the ones it saved.
    clientId: `3MVG9sandbox${randomBytes(16).toString('base64url')}`,
    clientSecret: randomBytes(32).toString('hex'),
    onSaveError: (error) => logger.warn({ err: error }, 'the sandbox org state could not be saved; retrying later'),
  });
  try {
    await org.start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new SandboxError(
      `SANDBOX_ORG_PORT ${config.sandboxOrgPort} is already in use (the sandbox's Salesforce org emulator listens there): stop what uses it, or set SANDBOX_ORG_PORT to a free port`,
    );
  }
  if (!org.restored) {
    seedDemoClinic(org);
    org.save();
  }
  logger.info(
    { orgId: org.orgId, url: org.url, restored: org.restored },
    org.restored ? 'demo org emulator started from its saved state' : 'demo org emulator started with the demo clinic',
  );
  // Messages live in memory: its page lists what this run "sent".
  const twilio = new TwilioStandIn({ host: '127.0.0.1', port: 0 });
  await twilio.start();
  // Transactions live in memory; its webhooks go to this service's own /webhooks/authnet.
  const authnetKeys = {
    apiLoginId: `sandbox${randomBytes(6).toString('hex')}`,
    transactionKey: randomBytes(8).toString('hex'),
    clientKey: randomBytes(32).toString('hex'),
    signatureKey: randomBytes(64).toString('hex').toUpperCase(),
  };
  const authnet = await startAuthNetStandIn({
    ...authnetKeys,
    webhook: {
      url: new URL('/webhooks/authnet', config.publicUrl).toString(),
      signatureKey: authnetKeys.signatureKey,
    },
  });
  const loginHost = new URL(org.url).host;
  // `127.0.0.1:<port>` needs no escaping in a query, and reads better without it.
  const connect = `${new URL('/connect', config.publicUrl).toString()}?loginHost=${loginHost}`;
  const slug = org.records('Slotwise_Booking_Page__c').find((page) => page.Public_Slug__c)?.Public_Slug__c;
  return {
    salesforce: { loginUrlOverride: org.url, clientId: org.clientId, clientSecret: org.clientSecret },
    twilio: {
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      messagingServiceSid: undefined,
      fromNumber: SANDBOX_SMS_FROM,
      apiBaseUrl: twilio.url,
    },
    authnet: { ...authnetKeys, apiUrl: authnet.endpoint, acceptUiUrl: `${authnet.origin}/v3/AcceptUI.js` },
    urls: [
      ...(typeof slug === 'string'
        ? [`Book at the demo clinic: ${new URL(`/book/${encodeURIComponent(slug)}`, config.publicUrl).toString()}`]
        : []),
      `Connect the demo org: ${connect}`,
      `Watch the SMS the demo sends: ${twilio.url}/`,
      `Card payments go to the Authorize.Net stand-in at ${authnet.origin} (pay with Authorize.Net's test Visa card and any future expiry: see docs/payments.md)`,
    ],
    connectDemoOrg: (app) => connectDemoOrg(app, org, loginHost, logger),
    close: async () => {
      await twilio.close();
      await authnet.close();
      await org.close();
    },
  };
}

async function connectDemoOrg(
  app: FastifyInstance,
  org: OrgEmulator,
  loginHost: string,
  logger: FastifyBaseLogger,
): Promise<void> {
  try {
    await app.storeConnection.whenReady();
    const { client, apiVersion } = app.salesforce;
    if (!client) throw new Error('no connected app is configured');
    const context: ConnectContext = {
      store: app.storeConnection.store,
      envelope: app.envelope,
      client,
      apiVersion,
      allowLocalEmulator: true,
    };
    // A connection that cannot be read (say the sandbox key file was deleted) is made again.
    const stored = await loadConnection(context.store, context.envelope, org.orgId).catch(() => undefined);
    if (stored && stillWorks(stored, org)) {
      logger.info({ orgId: org.orgId }, 'demo org: using its stored connection');
      return;
    }
    const authorizeUrl = new URL(await startConnect(context, { loginHost }));
    // The authorize page's Allow button, pressed: it posts what the link carried and redirects
    // to the callback with a code, which the flow exchanges (with its PKCE verifier) as usual.
    const allowed = await fetch(new URL(authorizeUrl.pathname, authorizeUrl), {
      method: 'POST',
      body: authorizeUrl.searchParams,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    const callback = new URL(allowed.headers.get('location') ?? '/', authorizeUrl);
    const code = callback.searchParams.get('code');
    const state = callback.searchParams.get('state');
    if (allowed.status !== 302 || !code || !state) {
      throw new Error(
        `the authorize page answered ${allowed.status} ${callback.searchParams.get('error') ?? 'without a code'}`,
      );
    }
    const result = await finishConnect(context, { code, state });
    app.salesforce.gateway.forget(result.orgId);
    await app.sync.start(result.orgId);
    // Its API key is not shown: whoever wants one for the admin console uses the Connect link.
    logger.info({ orgId: result.orgId, keyPrefix: result.apiKeyPrefix }, 'demo org connected');
  } catch (error) {
    logger.error({ err: error }, 'the demo org could not be connected automatically; use the Connect link');
  }
}

function stillWorks(connection: Connection, org: OrgEmulator): boolean {
  return (
    connection.disconnectedAt === null &&
    connection.instanceUrl === org.url &&
    org.acceptsRefreshToken(connection.refreshToken)
  );
}
