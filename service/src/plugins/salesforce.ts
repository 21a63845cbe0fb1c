import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { loadConnection } from '../org/connections.ts';
import type { SalesforceClient } from '../salesforce/connect/oauth-client.ts';
import { JsforceGateway } from '../salesforce/gateway.ts';
import type { OrgApi } from '../salesforce/org-api.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every Salesforce call features make (sync, outbox) goes through this. */
    orgApi: OrgApi;
    salesforce: SalesforceAccess;
  }
}

export interface SalesforceAccess {
  gateway: JsforceGateway;
  /** The connected app; undefined when none is configured (sandbox mode without the emulator). */
  client: SalesforceClient | undefined;
  apiVersion: string;
  /** Login host and instance may be the local org emulator (sandbox mode). */
  allowLocalEmulator: boolean;
}

export interface SalesforcePluginOptions {
  client: SalesforceClient | undefined;
  apiVersion: string;
  allowLocalEmulator: boolean;
  /** Gateway tuning (tests): per-attempt timeout, concurrency, attempts, backoff. */
  gateway?: Partial<ConstructorParameters<typeof JsforceGateway>[0]>;
}

/** The jsforce gateway over the stored connections, as `app.orgApi`, and the connected app's details. */
async function salesforce(app: FastifyInstance, options: SalesforcePluginOptions): Promise<void> {
  const client = options.client;
  const gateway = new JsforceGateway({
    loadConnection: (orgId) => loadConnection(app.storeConnection.store, app.envelope, orgId),
    // Without a connected app no connection can exist, so the gateway is never asked to refresh.
    client: client ?? { clientId: '', clientSecret: '', redirectUri: '' },
    allowLocalEmulator: options.allowLocalEmulator,
    log: app.log.child({ component: 'salesforce' }),
    ...options.gateway,
  });
  app.decorate('orgApi', gateway);
  app.decorate('salesforce', {
    gateway,
    client,
    apiVersion: options.apiVersion,
    allowLocalEmulator: options.allowLocalEmulator,
  });
}

export const salesforcePlugin = fp(salesforce, { name: 'salesforce', dependencies: ['store', 'encryption'] });
