import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthNetConfig } from '../config.ts';
import { createAuthNetClient, type AuthNetClient } from '../payments/authnet/client.ts';
import type { AnetWebhookEvent } from '../payments/authnet/webhook.ts';

/**
 * Handles one verified, not yet seen Authorize.Net webhook event. Must be idempotent (a handler
 * that throws makes the route answer 500, and Authorize.Net sends the event again) and must
 * ignore transactions that are not its own: every feature sees every event.
 */
export type TransactionEventHandler = (event: AnetWebhookEvent) => Promise<void>;

export interface Payments {
  /** Authorize.Net's JSON API (charge, capture, refund, void, details, find by invoice number). */
  client: AuthNetClient;
  /** The client's timeout: a charge without an answer by then is `ambiguous`. */
  timeoutMs: number;
  /** What a page needs for the AcceptUI button; `origin` is the only host its CSP may allow. */
  acceptUi: { scriptUrl: string; origin: string; apiLoginId: string; clientKey: string };
  /** Registers a handler for webhook events (routes/authnet-webhooks.ts calls them in order). */
  onTransactionEvent(handler: TransactionEventHandler): void;
  /** The registered handlers, for the webhook route. */
  transactionEventHandlers(): readonly TransactionEventHandler[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Card payments through Authorize.Net; decorated only when AUTHNET_* (or a stand-in) is configured. */
    payments: Payments;
  }
}

export interface PaymentsPluginOptions {
  authnet: AuthNetConfig;
  /** A charge that takes longer is `ambiguous` and reconciled by invoice number. Default 20 s. */
  timeoutMs?: number;
  /** Authorize.Net's duplicate window (seconds): the second guard against a double charge. Default 120. */
  duplicateWindowSeconds?: number;
}

/** `app.payments`: the Authorize.Net client, AcceptUI settings and the webhook event registry. */
async function payments(app: FastifyInstance, options: PaymentsPluginOptions): Promise<void> {
  const { authnet } = options;
  const handlers: TransactionEventHandler[] = [];
  const timeoutMs = options.timeoutMs ?? 20_000;
  app.decorate('payments', {
    client: createAuthNetClient({
      apiLoginId: authnet.apiLoginId,
      transactionKey: authnet.transactionKey,
      endpoint: authnet.apiUrl,
      timeoutMs,
      duplicateWindowSeconds: options.duplicateWindowSeconds ?? 120,
    }),
    timeoutMs,
    acceptUi: {
      scriptUrl: authnet.acceptUiUrl,
      origin: new URL(authnet.acceptUiUrl).origin,
      apiLoginId: authnet.apiLoginId,
      clientKey: authnet.clientKey,
    },
    onTransactionEvent(handler) {
      handlers.push(handler);
    },
    transactionEventHandlers: () => handlers,
  } satisfies Payments);
}

export const paymentsPlugin = fp(payments, { name: 'payments', dependencies: ['store'] });
