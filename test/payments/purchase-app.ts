// The real app (buildApp) on PGlite or PostgreSQL with the org emulator (demo clinic, connected,
// an API key) and the Authorize.Net stand-in as Authorize.Net: what the credit purchase tests drive.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../service/src/app.ts';
import { loadConfig } from '../../service/src/config.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { createLogger } from '../../service/src/logger.ts';
import { issueApiKey } from '../../service/src/org/api-keys.ts';
import type { CardEntry } from '../../service/src/payments/authnet/standin/cards.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { loadTls } from '../../service/src/tls.ts';
import { freshStoreConfig, type Backend } from '../helpers/backends.ts';
import { saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';
import { API_LOGIN_ID, CLIENT_KEY, GOOD_CARD, startStandIn, TRANSACTION_KEY } from './authnet/helpers.ts';

export const USER = '005000000000001AAA';
export const SIGNATURE_KEY = 'AB'.repeat(64);
export const ACCEPT = 'COMMON.ACCEPT.INAPP.PAYMENT';
export { GOOD_CARD };

export interface PurchaseAppOptions {
  /** Authorize.Net request timeout (default 3 s). */
  timeoutMs?: number;
  /** Listen on 127.0.0.1 so the stand-in's signed webhooks reach /webhooks/authnet. */
  webhooks?: boolean;
  /** Listen over HTTPS (the sandbox's self-signed localhost certificate), as a browser needs. */
  https?: boolean;
  /** Called before the app is ready: hooks and routes a test adds. */
  prepare?: (app: FastifyInstance) => void | Promise<void>;
  env?: Record<string, string>;
}

export async function purchaseApp(t: Test, backend: Backend, options: PurchaseAppOptions = {}) {
  const storeConfig = await freshStoreConfig(t, backend);
  if (!storeConfig) return undefined;
  const org = await startOrgEmulator(t);
  seedDemoClinic(org);
  // The stand-in reads its webhook target when it sends, so the app's address can be filled in later.
  const webhook = { url: 'http://127.0.0.1:9/unused', signatureKey: SIGNATURE_KEY };
  const standin = await startStandIn(t, options.webhooks ? { webhook } : {});
  const config = loadConfig({
    DATA_DIR: storeConfig.dataDir,
    ...(storeConfig.databaseUrl ? { DATABASE_URL: storeConfig.databaseUrl } : {}),
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: string[] = [];
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }),
    tls: options.https ? await loadTls(config) : undefined,
    keyProvider: new ConfiguredKeyProvider([generateMasterKey('test-1')]),
    salesforce: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrlOverride: org.url },
    authnet: {
      apiLoginId: API_LOGIN_ID,
      transactionKey: TRANSACTION_KEY,
      clientKey: CLIENT_KEY,
      signatureKey: SIGNATURE_KEY,
      apiUrl: standin.endpoint,
      acceptUiUrl: `${standin.origin}/v3/AcceptUI.js`,
    },
    authnetTimeoutMs: options.timeoutMs ?? 3_000,
  });
  t.teardown(() => app.close());
  await options.prepare?.(app);
  let origin = '';
  if (options.webhooks || options.https) {
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
    webhook.url = `${origin}/webhooks/authnet`;
  } else {
    await app.ready();
  }
  await app.storeConnection.whenReady();
  const store = app.storeConnection.store;
  await saveEmulatorConnection(store, app.envelope, org);
  const { key } = await issueApiKey(store, org.orgId);
  const headers = { 'x-slotwise-api-key': key, 'x-slotwise-user-id': USER };

  /** A purchase link from the org API, as the console asks for it. */
  async function purchaseLink(packId?: string): Promise<{ url: URL; token: string; expiresAt: string }> {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/credits/purchase-link',
      headers,
      payload: packId ? { packId } : {},
    });
    if (response.statusCode !== 200) throw new Error(`purchase link: ${response.statusCode} ${response.body}`);
    const body = response.json<{ url: string; expiresAt: string }>();
    const url = new URL(body.url);
    return { url, token: url.searchParams.get('token')!, expiresAt: body.expiresAt };
  }

  /** The billing page for a token, and the idempotency key it carries. */
  async function billingPage(token: string) {
    const response = await app.inject({ method: 'GET', url: `/billing?token=${token}` });
    const idempotencyKey = /name="idempotencyKey" value="([^"]+)"/.exec(response.body)?.[1];
    return { response, idempotencyKey };
  }

  /** Posts the charge form as the page does, with a nonce the stand-in minted for `card`. */
  function charge(form: { token: string; idempotencyKey: string; packId: string; card?: CardEntry; nonce?: string }) {
    const nonce = form.nonce ?? standin.mintNonce(form.card ?? GOOD_CARD).dataValue;
    return app.inject({
      method: 'POST',
      url: '/billing/charge',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        token: form.token,
        idempotencyKey: form.idempotencyKey,
        packId: form.packId,
        dataDescriptor: ACCEPT,
        dataValue: nonce,
      }).toString(),
    });
  }

  /** The org's ledger purchases and the stand-in's charges. */
  async function ledgerPurchases() {
    return store.query<{ idempotency_key: string; amount: number; money_minor: number; reference: string }>(
      `select idempotency_key, amount, money_minor, reference from credit_transaction
        where org_id = $1 and kind = 'purchase' order by id`,
      [org.orgId],
    );
  }
  const charges = () => standin.transactions().filter((tx) => tx.type === 'authCaptureTransaction');

  return {
    app,
    store,
    org,
    standin,
    logs,
    headers,
    origin,
    purchaseLink,
    billingPage,
    charge,
    ledgerPurchases,
    charges,
  };
}
