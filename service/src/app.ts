import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AuthNetConfig, Config, TwilioConfig } from './config.ts';
import type { KeyProvider } from './crypto/key-provider.ts';
import { bookingPlugin } from './plugins/booking.ts';
import { depositsPlugin } from './plugins/deposits.ts';
import { encryptionPlugin } from './plugins/encryption.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { gracefulClosePlugin } from './plugins/graceful-close.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { orgAuthPlugin } from './plugins/org-auth.ts';
import { outboxPlugin } from './plugins/outbox.ts';
import { paymentsPlugin } from './plugins/payments.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { remindersPlugin, type RemindersPluginOptions } from './plugins/reminders.ts';
import { requestLogPlugin } from './plugins/request-log.ts';
import { salesforcePlugin } from './plugins/salesforce.ts';
import { schedulePlugin } from './plugins/schedule.ts';
import { securityPlugin } from './plugins/security.ts';
import { staffSmsPlugin } from './plugins/staff-sms.ts';
import { storePlugin } from './plugins/store.ts';
import { syncPlugin } from './plugins/sync.ts';
import { waitlistPlugin } from './plugins/waitlist.ts';
import { authnetWebhookRoutes } from './routes/authnet-webhooks.ts';
import { billingPageRoutes } from './routes/billing-page.ts';
import { bookingPageRoutes } from './routes/booking-page.ts';
import { connectRoutes } from './routes/connect.ts';
import { healthRoutes } from './routes/health.ts';
import { twilioWebhookRoutes } from './routes/twilio-webhooks.ts';
import { PUBLIC_API_PREFIX, publicApiRoutes } from './routes/public-api.ts';
import { waitlistPageRoutes } from './routes/waitlist-page.ts';
import type { TlsMaterial } from './tls.ts';

export interface AppDependencies {
  logger: FastifyBaseLogger;
  /** Certificate and key to serve HTTPS with; absent behind a TLS-terminating proxy. */
  tls: TlsMaterial | undefined;
  /** Wraps the data keys of everything encrypted at rest. */
  keyProvider: KeyProvider;
  /**
   * Overrides the connected app (sandbox mode and tests point it at the local org emulator):
   * its client credentials and the URL that stands in for every login host.
   */
  salesforce?: { loginUrlOverride?: string; clientId: string; clientSecret: string };
  /** Overrides Twilio (sandbox mode and tests point it at the Twilio stand-in). */
  twilio?: TwilioConfig;
  /** Overrides Authorize.Net (sandbox mode and tests point it at the Authorize.Net stand-in). */
  authnet?: AuthNetConfig;
  /** Authorize.Net request timeout (tests make a charge without an answer ambiguous in a second). */
  authnetTimeoutMs?: number;
  /** The clock of reminders and staff SMS (tests set a daytime instant, so quiet hours do not follow the real hour). */
  reminderClock?: () => Date;
  /** Reminder dispatch tuning (tests: one send at a time, lanes spread over instances). */
  reminderDispatch?: Pick<RemindersPluginOptions, 'sendConcurrency' | 'lanes' | 'instanceLanes'>;
  /** Overrides WAITLIST_OFFER_MINUTES (tests hold an offered slot for seconds). */
  waitlistOfferMs?: number;
  /** Overrides DEPOSIT_HOLD_MINUTES, and how long a charge without an answer waits before it is looked up (tests: seconds). */
  deposits?: { holdMs?: number; settleMs?: number };
}

/** Builds the service from its configuration. Holds no module state, so tests build many. */
export async function buildApp(config: Config, deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    ...(deps.tls ? { https: { ...deps.tls, minVersion: 'TLSv1.2' as const } } : {}),
    trustProxy: config.trustProxy,
    // Logged by plugins/request-log.ts instead, in a shape the redaction is built for.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // In-flight requests finish on close; idle keep-alive connections are dropped at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
  }) as unknown as FastifyInstance;

  // External plugins first, then the app's own: as in fastify/demo.
  await app.register(requestLogPlugin);
  await app.register(gracefulClosePlugin);
  await app.register(securityPlugin, { trustProxy: config.trustProxy });
  await app.register(rateLimitPlugin, { perMinute: config.rateLimitPerMinute });
  await app.register(errorsPlugin);
  await app.register(storePlugin, {
    store: { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
  await app.register(encryptionPlugin, { keyProvider: deps.keyProvider });

  const salesforceApp = deps.salesforce ?? config.salesforce;
  await app.register(salesforcePlugin, {
    client: salesforceApp && {
      clientId: salesforceApp.clientId,
      clientSecret: salesforceApp.clientSecret,
      redirectUri: new URL('/connect/callback', config.publicUrl).toString(),
      loginUrlOverride: deps.salesforce?.loginUrlOverride,
    },
    apiVersion: config.salesforceApiVersion,
    allowLocalEmulator: config.sandbox,
  });
  await app.register(metricsPlugin, { token: config.metricsToken, sandbox: config.sandbox, orgApi: () => app.orgApi });
  await app.register(outboxPlugin, {
    orgApi: () => app.orgApi,
    retentionDays: config.outboxRetentionDays,
    metrics: app.metrics.outbox,
  });
  await app.register(syncPlugin, { orgApi: () => app.orgApi });
  await app.register(schedulePlugin);
  const twilio = deps.twilio ?? config.twilio;
  if (twilio) {
    await app.register(remindersPlugin, {
      twilio,
      publicUrl: config.publicUrl,
      ratePerSecond: config.smsRatePerSecond,
      openingAllowance: config.smsCreditAllowance,
      ...(deps.reminderClock ? { now: deps.reminderClock } : {}),
      ...deps.reminderDispatch,
    });
    await app.register(twilioWebhookRoutes, {
      authToken: twilio.authToken,
      publicUrl: config.publicUrl,
      replyDeps: app.reminders.replyDeps,
      notifyStaffOfReplies: async (orgId) => (await app.reminders.settings(orgId)).notifyStaffOfReplies,
    });
    await app.register(staffSmsPlugin, deps.reminderClock ? { now: deps.reminderClock } : {});
  }

  // Card payments (credit purchases, deposits): only where Authorize.Net (or its stand-in) is configured.
  const authnet = deps.authnet ?? config.authnet;
  if (authnet) {
    await app.register(paymentsPlugin, {
      authnet,
      ...(deps.authnetTimeoutMs ? { timeoutMs: deps.authnetTimeoutMs } : {}),
    });
    await app.register(authnetWebhookRoutes, { signatureKey: authnet.signatureKey });
  }

  await app.register(healthRoutes);
  await app.register(connectRoutes);
  // Reads `app.schedule` when called, so it may come before or after the schedule plugin.
  await app.register(bookingPlugin);
  // A type with a deposit is booked through a payment step: only where payments are.
  if (authnet) {
    await app.register(depositsPlugin, {
      currency: config.depositCurrency,
      holdMs: deps.deposits?.holdMs ?? config.depositHoldMinutes * 60_000,
      ...(deps.deposits?.settleMs === undefined ? {} : { settleMs: deps.deposits.settleMs }),
    });
  }
  // The waitlist offers freed slots by text: only where SMS can be sent (the sandbox's stand-in counts).
  if (twilio) {
    await app.register(waitlistPlugin, {
      publicUrl: config.publicUrl,
      offerMinutes: config.waitlistOfferMinutes,
      ...(deps.waitlistOfferMs ? { offerMs: deps.waitlistOfferMs } : {}),
    });
  }
  await app.register(publicApiRoutes, { prefix: PUBLIC_API_PREFIX });
  await app.register(bookingPageRoutes, {
    booking: () => app.booking,
    waitlist: () => (app.hasDecorator('waitlist') ? app.waitlist : undefined),
    ...(authnet ? { payments: { deposits: () => app.deposits, acceptUi: () => app.payments.acceptUi } } : {}),
  });
  if (twilio) await app.register(waitlistPageRoutes, { booking: () => app.booking, waitlist: () => app.waitlist });
  if (authnet) {
    await app.register(billingPageRoutes, {
      packs: config.creditPacks,
      openingAllowance: config.smsCreditAllowance,
    });
  }
  await app.register(orgAuthPlugin, {
    perMinute: config.rateLimitPerMinute,
    sandbox: config.sandbox,
    credits: { packs: config.creditPacks, lowBalance: config.creditLowBalance },
    publicUrl: config.publicUrl,
  });
  return app;
}
