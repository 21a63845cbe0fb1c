import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { ConfiguredKeyProvider } from './crypto/key-provider.ts';
import { sandboxMasterKeys } from './crypto/sandbox-keys.ts';
import { createLogger } from './logger.ts';
import { startRedirectServer } from './redirect.ts';
import { EmulatorStateError } from './salesforce/emulator/state-file.ts';
import { SandboxError, startSandbox } from './sandbox.ts';
import { loadTls, TlsError } from './tls.ts';

/** Starts the service: the only file that reads process.env, listens, or handles signals. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  if (config.sandbox) {
    logger.warn(
      'Sandbox mode: no Salesforce, Twilio or Authorize.Net credentials are configured, so local stand-ins are used',
    );
  }
  const keyProvider = new ConfiguredKeyProvider(config.masterKeys ?? sandboxMasterKeys(config.dataDir));
  const sandbox = config.sandbox ? await startSandbox(config, logger) : undefined;
  const app = await buildApp(config, {
    logger,
    tls: await loadTls(config),
    keyProvider,
    ...(sandbox ? { salesforce: sandbox.salesforce, twilio: sandbox.twilio, authnet: sandbox.authnet } : {}),
  });
  await app.listen({ host: config.host, port: config.port });
  const redirect =
    config.httpRedirectPort === undefined
      ? undefined
      : await startRedirectServer(config.host, config.httpRedirectPort, config.publicUrl);

  for (const line of [...welcome(config), ...(sandbox?.urls ?? [])]) logger.info(line);
  // In the background: it waits for the store, and logs rather than throws.
  void sandbox?.connectDemoOrg(app);
  stopOnSignal(
    async () => {
      redirect?.close();
      await app.close();
      await sandbox?.close();
    },
    config.shutdownTimeoutMs,
    logger,
  );
}

function welcome(config: Config): string[] {
  const base = config.publicUrl.origin;
  return [`Slotwise is listening on ${base}`, `Liveness: ${base}/healthz   Readiness: ${base}/readyz`];
}

function stopOnSignal(stop: () => Promise<void>, timeoutMs: number, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    stop().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  // Problems a person can fix get one clear message and no stack trace.
  if (
    error instanceof ConfigError ||
    error instanceof TlsError ||
    error instanceof SandboxError ||
    error instanceof EmulatorStateError
  ) {
    process.stderr.write(`slotwise: ${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`slotwise: the port is already in use (${(error as Error).message})\n`);
  } else {
    process.stderr.write(`slotwise: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
