import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig, type Config, type Env } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import type { TlsMaterial } from '../../service/src/tls.ts';
import { tempDataDir } from './backends.ts';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Every line the app logged, as written. */
  logs: string[];
}

/** A sandbox-mode app on a fresh data folder, closed when the test ends. Not yet ready: add routes first. */
export async function buildTestApp(t: Test, env: Env = {}, tls?: TlsMaterial): Promise<TestApp> {
  const config = loadConfig({ DATA_DIR: tempDataDir(t), LOG_LEVEL: 'debug', ...env });
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
  const keyProvider = new ConfiguredKeyProvider(config.masterKeys ?? [generateMasterKey('test-1')]);
  const app = await buildApp(config, { logger, tls, keyProvider });
  t.teardown(() => app.close());
  return { app, config, logs };
}
