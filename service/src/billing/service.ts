// Wiring of credit purchases: their dependencies from the app, the reconcile job that settles
// purchases whose charge did not come back, and the webhook handler that credits a purchase
// Authorize.Net confirms. Registered by routes/billing-page.ts, only where app.payments exists.
import type { FastifyInstance } from 'fastify';
import type { CreditPack } from '../credits/packs.ts';
import type { AnetWebhookEvent } from '../payments/authnet/webhook.ts';
import type { Queryable } from '../store/store.ts';
import { confirmFromWebhook, reconcileOpenPurchases, type PurchaseDeps } from './purchases.ts';
import { receiptWrite } from './receipt.ts';

export const PURCHASE_RECONCILE_QUEUE = 'credit-purchase-reconcile';
/** Webhook notification ids are kept this long (Authorize.Net retries for about three days). */
export const WEBHOOK_RECEIPT_RETENTION_MS = 7 * 24 * 3600_000;
/** Purchase links nobody paid with are deleted this long after they expired. */
export const UNUSED_LINK_RETENTION_MS = 24 * 3600_000;

export interface PurchaseServiceOptions {
  packs: readonly CreditPack[];
  openingAllowance: number;
  /** The Authorize.Net client's timeout (plugins/payments.ts). */
  chargeTimeoutMs: number;
  /** How often the reconcile job looks for unsettled purchases. Default 60 s. */
  reconcileIntervalMs?: number;
  now?: () => Date;
}

export function purchaseDeps(app: FastifyInstance, options: PurchaseServiceOptions): PurchaseDeps {
  return {
    store: () => app.storeConnection.store,
    client: () => app.payments.client,
    packs: options.packs,
    openingAllowance: options.openingAllowance,
    recordReceipt: async (tx, purchase) => {
      await app.outbox.enqueue(tx, receiptWrite(purchase));
    },
    wakeOutbox: (orgId) => app.outbox.wake(orgId),
    chargeTimeoutMs: options.chargeTimeoutMs,
    now: options.now ?? (() => new Date()),
    log: app.log.child({ component: 'credit-purchases' }),
  };
}

/** The reconcile job (a singleton that schedules its next run) and the webhook handler. */
export function startPurchaseSettlement(app: FastifyInstance, deps: PurchaseDeps, intervalMs = 60_000): void {
  app.jobs.define<Record<string, never>>(
    PURCHASE_RECONCILE_QUEUE,
    async () => {
      try {
        const settled = await reconcileOpenPurchases(deps);
        if (settled > 0) deps.log.info({ settled }, 'credit purchases reconciled');
        await pruneBillingRecords(deps.store(), deps.now());
      } finally {
        await app.jobs.send(
          PURCHASE_RECONCILE_QUEUE,
          {},
          { singletonKey: 'reconcile', runAt: new Date(Date.now() + intervalMs) },
        );
      }
    },
    { policy: 'stately' },
  );
  app.storeConnection.use({
    start: async () => {
      await app.jobs.send(PURCHASE_RECONCILE_QUEUE, {}, { singletonKey: 'reconcile' });
    },
    stop: async () => {},
  });

  app.payments.onTransactionEvent(async (event: AnetWebhookEvent) => {
    const invoiceNumber = event.payload.invoiceNumber;
    if (!SETTLING_EVENTS.has(event.eventType) || !invoiceNumber) return;
    await confirmFromWebhook(deps, { invoiceNumber, transId: event.payload.id });
  });
}

// A charge created (the answer to our request may have been lost), or a review that ended.
const SETTLING_EVENTS = new Set([
  'net.authorize.payment.authcapture.created',
  'net.authorize.payment.fraud.approved',
  'net.authorize.payment.fraud.declined',
]);

/** Data minimisation: webhook receipts past their use, and links that were never paid with. */
export async function pruneBillingRecords(db: Queryable, now: Date): Promise<void> {
  await db.query('delete from authnet_webhook_receipt where received_at < $1', [
    new Date(now.getTime() - WEBHOOK_RECEIPT_RETENTION_MS),
  ]);
  await db.query(
    `delete from purchase_link l where l.expires_at < $1
        and not exists (select 1 from credit_purchase p where p.link_id = l.id)`,
    [new Date(now.getTime() - UNUSED_LINK_RETENTION_MS)],
  );
}
