// The app with the Twilio webhooks, listening over TLS on 127.0.0.1 so the Twilio stand-in can post
// its signed status callbacks to it, connected to the emulated demo clinic, on PGlite or PostgreSQL,
// with every log line captured.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig, type Config } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { twilioWebhookRoutes } from '../../service/src/routes/twilio-webhooks.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulator } from '../../service/src/salesforce/emulator/server.ts';
import { recipientHash, recipientKey } from '../../service/src/sms/recipient.ts';
import { ReminderSettingsCache } from '../../service/src/reminders/rules.ts';
import type { ReplyDeps } from '../../service/src/sms/replies.ts';
import { signTwilioRequest } from '../../service/src/sms/signature.ts';
import type { TwilioStandIn } from '../../service/src/sms/standin/server.ts';
import { loadTls } from '../../service/src/tls.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';
import { freePort, waitFor } from '../helpers/process.ts';
import { apiFor, FROM_NUMBER, startStandIn } from '../sms/helpers.ts';

export const PATIENT = '+447911123456';
/** The opening allowance of the test org's credit ledger. */
export const SMS_CREDITS = 500;

export interface SmsTestApp {
  app: FastifyInstance;
  config: Config;
  org: OrgEmulator;
  standin: TwilioStandIn;
  ids: Map<string, string>;
  logs: string[];
  replyDeps: ReplyDeps;
  /** The patient's number's hash for the emulated org. */
  hashOf(e164: string): Promise<string>;
}

export async function smsApp(
  t: Test,
  backend: Backend,
  standinOptions: { outOfOrderCallbacks?: boolean } = {},
): Promise<SmsTestApp | undefined> {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const org = await startOrgEmulator(t);
  const { ids } = seedDemoClinic(org);
  const standin = await startStandIn(t, { statusStepMs: 5, ...standinOptions });
  const port = await freePort();
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'debug',
    PORT: String(port),
    PUBLIC_URL: `https://127.0.0.1:${port}`,
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: await loadTls(config),
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
  });
  const sms = apiFor(standin);
  const sender = { from: FROM_NUMBER };
  const store = () => app.storeConnection.store;
  const replyDeps: ReplyDeps = {
    store,
    envelope: app.envelope,
    sms: () => sms,
    sender,
    publicUrl: config.publicUrl,
    enqueue: (tx, write) => app.outbox.enqueue(tx, write),
    wake: (orgId) => app.outbox.wake(orgId),
    openingAllowance: SMS_CREDITS,
    rate: { perSecond: 100, burst: 1 },
    now: () => new Date(),
  };
  // No caching: a test that changes the booking page sees it at once.
  const settings = new ReminderSettingsCache(() => app.orgApi, 0);
  await app.register(twilioWebhookRoutes, {
    authToken: standin.authToken,
    publicUrl: config.publicUrl,
    replyDeps,
    notifyStaffOfReplies: async (orgId) => (await settings.get(orgId)).notifyStaffOfReplies,
  });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port });
  await app.storeConnection.whenReady();
  await saveEmulatorConnection(app.storeConnection.store, app.envelope, org);
  const key = recipientKey(store, app.envelope);
  return {
    app,
    config,
    org,
    standin,
    ids,
    logs,
    replyDeps,
    hashOf: async (e164) => recipientHash(await key(), org.orgId, e164),
  };
}

/** A webhook POST signed as Twilio signs it (for `url` as configured), through inject. */
export async function postSigned(
  env: SmsTestApp,
  path: string,
  params: Record<string, string>,
  options: { signAs?: Record<string, string>; signUrl?: string; token?: string; signature?: string | null } = {},
) {
  const url = options.signUrl ?? env.config.publicUrl.origin + path;
  const signature =
    options.signature === undefined
      ? signTwilioRequest(options.token ?? env.standin.authToken, url, options.signAs ?? params)
      : options.signature;
  return env.app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    payload: new URLSearchParams(params).toString(),
  });
}

let sidCounter = 0;
/** A fresh Twilio-shaped message SID. */
export function newMessageSid(): string {
  sidCounter += 1;
  return 'SM' + sidCounter.toString(16).padStart(32, '0');
}

/** An inbound message's webhook parameters as Twilio sends them. */
export function inboundParams(env: SmsTestApp, body: string, from = PATIENT): Record<string, string> {
  const sid = newMessageSid();
  return {
    AccountSid: env.standin.accountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    MessageSid: sid,
    NumMedia: '0',
    NumSegments: '1',
    SmsMessageSid: sid,
    SmsSid: sid,
    SmsStatus: 'received',
    To: FROM_NUMBER,
  };
}

export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  await waitFor(what, async () => ((await condition()) ? true : undefined), timeoutMs);
}
