import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { signAnetWebhook } from '../webhook.ts';
import { acceptFormPage, acceptUiScript } from './accept-ui.ts';
import { answerApiRequest, settleBatch, type CreatedEvent, type StandInState } from './api.ts';
import { isValidCardNumber, newNonce, type CardEntry } from './cards.ts';

export interface AuthNetStandInOptions {
  apiLoginId: string;
  transactionKey: string;
  /** The public client key AcceptUI pages present with the login id. */
  clientKey: string;
  port?: number;
  host?: string;
  /** Where signed webhooks go (loopback only), and the Signature Key they are signed with. */
  webhook?: { url: string; signatureKey: string };
  now?: () => number;
}

/** A request the stand-in received on the API endpoint: its root element and the JSON body. */
export interface RecordedRequest {
  rootElement: string;
  body: Record<string, unknown>;
}

/**
 * Faults for the next API requests: `unreachable` drops the connection without doing anything;
 * `slow` does the work (a charge is applied) and answers only after `delayMs`, past a timeout.
 */
export type Fault = { kind: 'unreachable' } | { kind: 'slow'; delayMs: number };

export interface WebhookDelivery {
  eventType: string;
  body: string;
  result: number | string;
}

export type AuthNetStandIn = Awaited<ReturnType<typeof startAuthNetStandIn>>;

const BOM = '\uFEFF';

/**
 * Authorize.Net for tests and the sandbox: the JSON API at /xml/v1/request.api (answers start
 * with a BOM, as Authorize.Net's do), AcceptUI.js with its card form, signed webhooks.
 */
export async function startAuthNetStandIn(options: AuthNetStandInOptions) {
  const now = options.now ?? Date.now;
  const state: StandInState = {
    apiLoginId: options.apiLoginId,
    transactionKey: options.transactionKey,
    nonces: new Map(),
    transactions: [],
    batches: [],
  };
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const deliveries: Promise<WebhookDelivery>[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function mintNonce(card: CardEntry) {
    const dataValue = newNonce();
    state.nonces.set(dataValue, { card, createdAt: now(), used: false });
    return { dataDescriptor: 'COMMON.ACCEPT.INAPP.PAYMENT', dataValue };
  }

  function sendWebhook(event: CreatedEvent): void {
    if (!options.webhook) return;
    const { url, signatureKey } = options.webhook;
    const tx = event.transaction;
    const body = JSON.stringify({
      notificationId: randomUUID(),
      eventType: event.eventType,
      eventDate: new Date(now()).toISOString(),
      webhookId: 'standin-webhook',
      payload: {
        responseCode: tx.responseCode,
        authCode: tx.authCode,
        avsResponse: 'Y',
        authAmount: Number(tx.authAmountMinor) / 100,
        ...(tx.invoiceNumber ? { invoiceNumber: tx.invoiceNumber } : {}),
        entityName: 'transaction',
        id: tx.transId,
      },
    });
    deliveries.push(
      postSigned(url, body, signAnetWebhook(signatureKey, body)).then((result) => ({
        eventType: event.eventType,
        body,
        result,
      })),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method === 'POST' && url.pathname === '/xml/v1/request.api') {
      const fault = faults.shift();
      if (fault?.kind === 'unreachable') {
        req.socket.destroy();
        return;
      }
      const text = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.startsWith(BOM) ? text.slice(1) : text);
      } catch {
        parsed = undefined;
      }
      const root = Object.keys((parsed ?? {}) as object)[0] ?? '';
      if (parsed && typeof parsed === 'object')
        requests.push({ rootElement: root, body: parsed as RecordedRequest['body'] });
      const answer = answerApiRequest(state, parsed, now());
      answer.events.forEach(sendWebhook);
      const respond = () => sendJson(res, answer.body, true);
      if (fault?.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) respond();
        }, fault.delayMs);
        timers.add(timer);
      } else respond();
      return;
    }
    if (req.method === 'GET' && (url.pathname === '/v1/AcceptUI.js' || url.pathname === '/v3/AcceptUI.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(acceptUiScript(origin()));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v1/form') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        acceptFormPage({
          parentOrigin: url.searchParams.get('parentOrigin') ?? '',
          apiLoginId: url.searchParams.get('apiLoginID') ?? '',
          clientKey: url.searchParams.get('clientKey') ?? '',
          buttonText: url.searchParams.get('buttonText') ?? 'Pay',
        }),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v1/tokenize') {
      sendJson(res, tokenize(await readBody(req)), false);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  }

  // Accept.js's dispatchData answer: the nonce, or messages naming what is wrong.
  function tokenize(text: string): Record<string, unknown> {
    const fail = (code: string, message: string) => ({
      messages: { resultCode: 'Error', message: [{ code, text: message }] },
    });
    let input: { apiLoginID?: unknown; clientKey?: unknown; card?: Partial<Record<keyof CardEntry, unknown>> };
    try {
      input = JSON.parse(text) as typeof input;
    } catch {
      return fail('E_WC_14', 'Accept.js encryption failed.');
    }
    if (input.apiLoginID !== options.apiLoginId || input.clientKey !== options.clientKey) {
      return fail('E_WC_21', 'User authentication failed due to invalid authentication values.');
    }
    const card = input.card ?? {};
    const cardNumber = String(card.cardNumber ?? '');
    if (!isValidCardNumber(cardNumber)) return fail('E_WC_05', 'Please provide valid credit card number.');
    const expirationDate = String(card.expirationDate ?? '');
    if (!/^\d{2}\/?\d{2}$/.test(expirationDate)) return fail('E_WC_06', 'Please provide valid expiration month.');
    const entry: CardEntry = {
      cardNumber,
      expirationDate,
      cardCode: typeof card.cardCode === 'string' && card.cardCode ? card.cardCode : undefined,
      zip: typeof card.zip === 'string' && card.zip ? card.zip : undefined,
    };
    return {
      opaqueData: mintNonce(entry),
      messages: { resultCode: 'Ok', message: [{ code: 'I_WC_01', text: 'Successful.' }] },
      encryptedCardData: {
        cardNumber: `XXXXXXXXXXXX${cardNumber.slice(-4)}`,
        expDate: expirationDate,
        bin: cardNumber.slice(0, 6),
      },
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin: origin(),
    endpoint: `${origin()}/xml/v1/request.api`,
    /** Every API request received, in order (for the XSD contract test). */
    requests,
    mintNonce,
    /** Queues faults for the next API requests, in order. */
    injectFault(...next: Fault[]) {
      faults.push(...next);
    },
    /**
     * Settles every captured transaction and refund into a new batch (its id, or null when there was
     * nothing to settle), as Authorize.Net's daily batch does.
     */
    settle() {
      return settleBatch(state, now())?.batchId ?? null;
    },
    transactions: () => state.transactions.map((tx) => ({ ...tx })),
    /** Webhook deliveries so far (each settles with the HTTP status or why it failed). */
    webhookDeliveries: () => Promise.all(deliveries),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled(deliveries);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, body: unknown, withBom: boolean): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end((withBom ? BOM : '') + JSON.stringify(body));
}

// Webhooks go to loopback only: the stand-in must never send traffic anywhere else.
function postSigned(url: string, body: string, signature: string): Promise<number | string> {
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) return Promise.resolve('refused: not loopback');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-anet-signature': signature },
        timeout: 5000,
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error) => resolve(`error: ${error.message}`));
    req.end(body);
  });
}
