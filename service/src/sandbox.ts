// Sandbox mode's stand-in for Salesforce: the org emulator on this machine, seeded with the demo
// clinic, as the connected app and login host of every connect flow.
import type { FastifyBaseLogger } from 'fastify';
import type { AppDependencies } from './app.ts';
import type { Config } from './config.ts';
import { seedDemoClinic } from './salesforce/emulator/demo.ts';
import { OrgEmulator } from './salesforce/emulator/server.ts';

export interface Sandbox {
  /** For buildApp: the emulator's connected app, and its URL for every login host. */
  salesforce: NonNullable<AppDependencies['salesforce']>;
  /** Lines to print with the welcome: where to connect the demo org. */
  urls: string[];
  /** Stops the emulator (after the app, whose sync and outbox talk to it). */
  close(): Promise<void>;
}

/**
 * Starts the org emulator on 127.0.0.1 (a free port) with the demo clinic. It lives in memory:
 * after a restart the demo org is new and has to be connected again.
 */
export async function startSandbox(config: Config, logger: FastifyBaseLogger): Promise<Sandbox> {
  const org = new OrgEmulator({
    host: '127.0.0.1',
    port: 0,
    callbackUrls: [new URL('/connect/callback', config.publicUrl).toString()],
  });
  await org.start();
  seedDemoClinic(org);
  const loginHost = new URL(org.url).host;
  logger.info({ orgId: org.orgId, url: org.url }, 'demo org emulator started with the demo clinic');
  // `127.0.0.1:<port>` needs no escaping in a query, and reads better without it.
  const connect = `${new URL('/connect', config.publicUrl).toString()}?loginHost=${loginHost}`;
  return {
    salesforce: { loginUrlOverride: org.url, clientId: org.clientId, clientSecret: org.clientSecret },
    urls: [`Connect the demo org: ${connect}`],
    close: () => org.close(),
  };
}
