import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { KeyProvider } from './crypto/key-provider.ts';
import { encryptionPlugin } from './plugins/encryption.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { gracefulClosePlugin } from './plugins/graceful-close.ts';
import { orgAuthPlugin } from './plugins/org-auth.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { requestLogPlugin } from './plugins/request-log.ts';
import { securityPlugin } from './plugins/security.ts';
import { storePlugin } from './plugins/store.ts';
import { healthRoutes } from './routes/health.ts';
import type { TlsMaterial } from './tls.ts';

export interface AppDependencies {
  logger: FastifyBaseLogger;
  /** Certificate and key to serve HTTPS with; absent behind a TLS-terminating proxy. */
  tls: TlsMaterial | undefined;
  /** Wraps the data keys of everything encrypted at rest. */
  keyProvider: KeyProvider;
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

  await app.register(healthRoutes);
  await app.register(orgAuthPlugin, { perMinute: config.rateLimitPerMinute, sandbox: config.sandbox });
  return app;
}
