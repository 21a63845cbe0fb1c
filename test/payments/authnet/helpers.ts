import type { Test } from 'tap';
import { createAuthNetClient } from '../../../service/src/payments/authnet/client.ts';
import {
  startAuthNetStandIn,
  type AuthNetStandInOptions,
} from '../../../service/src/payments/authnet/standin/server.ts';
import type { CardEntry } from '../../../service/src/payments/authnet/standin/cards.ts';

export const API_LOGIN_ID = 'standin-login';
export const TRANSACTION_KEY = 'standinTxKey1234'; // 16 characters, the XSD's maximum
export const CLIENT_KEY = 'standin-public-client-key';
export const GOOD_CARD: CardEntry = {
  cardNumber: '4111111111111111',
  expirationDate: '12/35',
  cardCode: '123',
  zip: '10001',
};

export async function startStandIn(t: Test, options: Partial<AuthNetStandInOptions> = {}) {
  const standin = await startAuthNetStandIn({
    apiLoginId: API_LOGIN_ID,
    transactionKey: TRANSACTION_KEY,
    clientKey: CLIENT_KEY,
    ...options,
  });
  t.teardown(() => standin.close());
  return standin;
}

export function clientFor(standin: { endpoint: string }, timeoutMs = 2000) {
  return createAuthNetClient({
    apiLoginId: API_LOGIN_ID,
    transactionKey: TRANSACTION_KEY,
    endpoint: standin.endpoint,
    timeoutMs,
    duplicateWindowSeconds: 120,
  });
}

let invoice = 0;
/** A fresh invoice number (at most 20 characters, as Authorize.Net allows). */
export function nextInvoice(): string {
  invoice++;
  return `INV-${process.pid}-${invoice}`.slice(0, 20);
}
