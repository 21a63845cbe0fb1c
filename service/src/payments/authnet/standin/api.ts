import { randomInt } from 'node:crypto';
import { decimalToMinor, minorToDecimal } from '../amount.ts';
import { cardType, isExpired, NONCE_LIFETIME_MS, TEST_TRIGGERS, type StoredNonce } from './cards.ts';

/** A transaction as the stand-in keeps it. */
export interface StandInTransaction {
  transId: string;
  refTransId?: string;
  type: string;
  status: string;
  responseCode: number;
  authAmountMinor: number;
  settleAmountMinor: number;
  refundedMinor: number;
  invoiceNumber?: string;
  description?: string;
  submittedAt: number;
  last4: string;
  cardType: string;
  expirationDate: string;
  authCode: string;
  /** The settled batch it went into; none while unsettled. */
  batchId?: string;
}

/** A batch the stand-in settled (Authorize.Net settles one a day). */
export interface StandInBatch {
  batchId: string;
  settledAt: number;
}

export interface StandInState {
  apiLoginId: string;
  transactionKey: string;
  nonces: Map<string, StoredNonce>;
  transactions: StandInTransaction[];
  batches: StandInBatch[];
}

/** A transaction the stand-in created, for its webhook. */
export interface CreatedEvent {
  eventType: string;
  transaction: StandInTransaction;
}

export interface ApiAnswer {
  body: Record<string, unknown>;
  events: CreatedEvent[];
}

type Json = Record<string, unknown>;
const DEFAULT_DUPLICATE_WINDOW_SECONDS = 120;
const MAX_SETTLED_WINDOW_MS = 31 * 24 * 60 * 60 * 1000;

const REASON_TEXT: Record<string, string> = {
  '1': 'This transaction has been approved.',
  '2': 'This transaction has been declined.',
  '8': 'The credit card has expired.',
  '11': 'A duplicate transaction has been submitted.',
  '16': 'The transaction cannot be found.',
  '27': 'The transaction has been declined because of an AVS mismatch with the address provided.',
  '47': 'The amount requested for settlement cannot be greater than the original amount authorized.',
  '54': 'The referenced transaction does not meet the criteria for issuing a credit.',
  '55': 'The sum of credits against the referenced transaction would exceed original debit amount.',
  '65': 'This transaction has been declined. The card code does not match.',
  '252': 'Your order has been received. Thank you for your business!',
  '311': 'This transaction has already been captured.',
  '310': 'This transaction has already been voided.',
};

function ok(extra: Json = {}): Json {
  return { ...extra, messages: { resultCode: 'Ok', message: [{ code: 'I00001', text: 'Successful.' }] } };
}

function failure(code: string, text: string, extra: Json = {}): Json {
  return { ...extra, messages: { resultCode: 'Error', message: [{ code, text }] } };
}

function transactionAnswer(responseCode: number, reason: string, tx?: StandInTransaction, codes: Json = {}): Json {
  const response: Json = {
    responseCode: String(responseCode),
    authCode: tx && responseCode === 1 ? tx.authCode : '',
    avsResultCode: 'Y',
    cvvResultCode: 'M',
    ...codes,
    transId: tx?.transId ?? '0',
    refTransID: tx?.refTransId ?? '',
    accountNumber: tx ? `XXXX${tx.last4}` : '',
    accountType: tx?.cardType ?? '',
  };
  const text = REASON_TEXT[reason] ?? 'This transaction has been declined.';
  if (responseCode === 1 || responseCode === 4) response.messages = [{ code: reason, description: text }];
  else response.errors = [{ errorCode: reason, errorText: text }];
  const body = { transactionResponse: response };
  return responseCode === 1 || responseCode === 4
    ? ok(body)
    : failure('E00027', 'The transaction was unsuccessful.', body);
}

/** Answers one JSON API request: `{ <rootElement>: {...} }`. */
export function answerApiRequest(state: StandInState, request: unknown, now: number): ApiAnswer {
  const [root, content] = Object.entries((request ?? {}) as Json)[0] ?? [];
  if (!root || typeof content !== 'object' || content === null) {
    return { body: failure('E00003', 'Root element is missing.'), events: [] };
  }
  const fields = content as Json;
  const auth = fields.merchantAuthentication as Json | undefined;
  if (auth?.name !== state.apiLoginId || auth?.transactionKey !== state.transactionKey) {
    return {
      body: failure('E00007', 'User authentication failed due to invalid authentication values.'),
      events: [],
    };
  }
  switch (root) {
    case 'createTransactionRequest':
      return createTransaction(state, (fields.transactionRequest ?? {}) as Json, now);
    case 'getTransactionDetailsRequest': {
      const tx = state.transactions.find((t) => t.transId === fields.transId);
      if (!tx) return { body: failure('E00040', 'The record cannot be found.'), events: [] };
      return { body: ok({ transaction: details(tx) }), events: [] };
    }
    case 'getUnsettledTransactionListRequest':
      return {
        body: transactionList(
          state.transactions.filter((t) => !t.batchId),
          fields,
        ),
        events: [],
      };
    case 'getSettledBatchListRequest':
      return { body: settledBatchList(state, fields, now), events: [] };
    case 'getTransactionListRequest': {
      const batch = state.batches.find((b) => b.batchId === fields.batchId);
      if (!batch) return { body: failure('E00040', 'The record cannot be found.'), events: [] };
      return {
        body: transactionList(
          state.transactions.filter((t) => t.batchId === batch.batchId),
          fields,
        ),
        events: [],
      };
    }
    default:
      return { body: failure('E00003', `The element '${root}' is not supported by the stand-in.`), events: [] };
  }
}

function createTransaction(state: StandInState, tx: Json, now: number): ApiAnswer {
  const type = String(tx.transactionType ?? '');
  const amountMinor = tx.amount === undefined ? 0 : decimalToMinor(tx.amount);
  if (amountMinor === null) return { body: failure('E00015', "The field length is invalid for 'amount'."), events: [] };
  switch (type) {
    case 'authCaptureTransaction':
    case 'authOnlyTransaction':
      return charge(state, tx, type, amountMinor, now);
    case 'priorAuthCaptureTransaction':
      return capture(state, String(tx.refTransId ?? ''), amountMinor);
    case 'refundTransaction':
      return refund(state, tx, amountMinor, now);
    case 'voidTransaction':
      return voidTransaction(state, String(tx.refTransId ?? ''));
    default:
      return { body: failure('E00003', `Invalid transactionType '${type}'.`), events: [] };
  }
}

function charge(state: StandInState, tx: Json, type: string, amountMinor: number, now: number): ApiAnswer {
  const opaque = ((tx.payment as Json | undefined)?.opaqueData ?? {}) as Json;
  const nonce = state.nonces.get(String(opaque.dataValue ?? ''));
  if (!nonce || nonce.used || now - nonce.createdAt > NONCE_LIFETIME_MS) {
    return { body: failure('E00114', 'Invalid OTS Token.'), events: [] };
  }
  nonce.used = true;
  const { card } = nonce;
  const order = (tx.order ?? {}) as Json;
  const invoiceNumber = typeof order.invoiceNumber === 'string' ? order.invoiceNumber : undefined;
  const windowSeconds = duplicateWindow(tx);
  const duplicate = state.transactions.find(
    (t) =>
      (t.type === 'authCaptureTransaction' || t.type === 'authOnlyTransaction') &&
      t.last4 === card.cardNumber.slice(-4) &&
      t.expirationDate === card.expirationDate &&
      t.authAmountMinor === amountMinor &&
      t.invoiceNumber === invoiceNumber &&
      now - t.submittedAt < windowSeconds * 1000,
  );
  if (duplicate) return { body: transactionAnswer(3, '11'), events: [] };

  const record: StandInTransaction = {
    transId: String(60_000_000_000 + state.transactions.length * 7 + randomInt(7)),
    type,
    status: type === 'authCaptureTransaction' ? 'capturedPendingSettlement' : 'authorizedPendingCapture',
    responseCode: 1,
    authAmountMinor: amountMinor,
    settleAmountMinor: type === 'authCaptureTransaction' ? amountMinor : 0,
    refundedMinor: 0,
    invoiceNumber,
    description: typeof order.description === 'string' ? order.description : undefined,
    submittedAt: now,
    last4: card.cardNumber.slice(-4),
    cardType: cardType(card.cardNumber),
    expirationDate: card.expirationDate,
    authCode: randomInt(36 ** 6)
      .toString(36)
      .toUpperCase()
      .padStart(6, '0'),
  };
  const outcome = testOutcome(card, now);
  if (outcome) {
    record.responseCode = outcome.responseCode;
    record.status = outcome.responseCode === 4 ? 'FDSPendingReview' : 'declined';
    record.settleAmountMinor = 0;
  }
  state.transactions.push(record);
  if (outcome) {
    const events =
      outcome.responseCode === 4 ? [{ eventType: 'net.authorize.payment.fraud.held', transaction: record }] : [];
    return { body: transactionAnswer(outcome.responseCode, outcome.reason, record, outcome.codes), events };
  }
  const eventType =
    type === 'authCaptureTransaction'
      ? 'net.authorize.payment.authcapture.created'
      : 'net.authorize.payment.authorization.created';
  return { body: transactionAnswer(1, '1', record), events: [{ eventType, transaction: record }] };
}

function testOutcome(card: StoredNonce['card'], now: number) {
  if (isExpired(card.expirationDate, now)) return { responseCode: 3, reason: '8', codes: { avsResultCode: 'P' } };
  if (card.zip === TEST_TRIGGERS.declineZip) return { responseCode: 2, reason: '2', codes: {} };
  if (card.zip === TEST_TRIGGERS.avsMismatchZip)
    return { responseCode: 2, reason: '27', codes: { avsResultCode: 'N' } };
  if (card.cardCode === TEST_TRIGGERS.cvvMismatchCode)
    return { responseCode: 2, reason: '65', codes: { cvvResultCode: 'N' } };
  if (card.zip === TEST_TRIGGERS.heldZip) return { responseCode: 4, reason: '252', codes: {} };
  return null;
}

function duplicateWindow(tx: Json): number {
  const settings = ((tx.transactionSettings as Json | undefined)?.setting ?? []) as Json[];
  const setting = settings.find((s) => s.settingName === 'duplicateWindow');
  const seconds = Number(setting?.settingValue);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_DUPLICATE_WINDOW_SECONDS;
}

function capture(state: StandInState, refTransId: string, amountMinor: number): ApiAnswer {
  const auth = state.transactions.find((t) => t.transId === refTransId && t.type === 'authOnlyTransaction');
  if (!auth) return { body: transactionAnswer(3, '16'), events: [] };
  if (auth.status !== 'authorizedPendingCapture') {
    return { body: transactionAnswer(3, auth.status === 'voided' ? '310' : '311', auth), events: [] };
  }
  if (amountMinor > auth.authAmountMinor) return { body: transactionAnswer(3, '47', auth), events: [] };
  auth.status = 'capturedPendingSettlement';
  auth.settleAmountMinor = amountMinor;
  // A prior-auth capture answers with the authorization's own transaction id.
  return {
    body: transactionAnswer(1, '1', { ...auth, refTransId: auth.transId }),
    events: [{ eventType: 'net.authorize.payment.priorAuthCapture.created', transaction: auth }],
  };
}

function refund(state: StandInState, tx: Json, amountMinor: number, now: number): ApiAnswer {
  const original = state.transactions.find((t) => t.transId === tx.refTransId);
  const card = ((tx.payment as Json | undefined)?.creditCard ?? {}) as Json;
  if (
    !original ||
    original.status !== 'settledSuccessfully' ||
    String(card.cardNumber ?? '').slice(-4) !== original.last4
  ) {
    return { body: transactionAnswer(3, '54'), events: [] };
  }
  if (original.refundedMinor + amountMinor > original.settleAmountMinor) {
    return { body: transactionAnswer(3, '55'), events: [] };
  }
  original.refundedMinor += amountMinor;
  const record: StandInTransaction = {
    ...original,
    transId: String(60_000_000_000 + state.transactions.length * 7 + randomInt(7)),
    refTransId: original.transId,
    type: 'refundTransaction',
    status: 'refundPendingSettlement',
    authAmountMinor: amountMinor,
    settleAmountMinor: amountMinor,
    refundedMinor: 0,
    submittedAt: now,
  };
  state.transactions.push(record);
  return {
    body: transactionAnswer(1, '1', record),
    events: [{ eventType: 'net.authorize.payment.refund.created', transaction: record }],
  };
}

function voidTransaction(state: StandInState, refTransId: string): ApiAnswer {
  const tx = state.transactions.find((t) => t.transId === refTransId);
  const voidable = [
    'authorizedPendingCapture',
    'capturedPendingSettlement',
    'refundPendingSettlement',
    'FDSPendingReview',
  ];
  if (!tx || !voidable.includes(tx.status)) return { body: transactionAnswer(3, '16'), events: [] };
  tx.status = 'voided';
  return {
    body: transactionAnswer(1, '1', { ...tx, refTransId: tx.transId }),
    events: [{ eventType: 'net.authorize.payment.void.created', transaction: tx }],
  };
}

function details(tx: StandInTransaction): Json {
  return {
    transId: tx.transId,
    ...(tx.refTransId ? { refTransId: tx.refTransId } : {}),
    submitTimeUTC: new Date(tx.submittedAt).toISOString(),
    transactionType: tx.type,
    transactionStatus: tx.status,
    responseCode: tx.responseCode,
    authAmount: Number(minorToDecimalOrZero(tx.authAmountMinor)),
    settleAmount: Number(minorToDecimalOrZero(tx.settleAmountMinor)),
    order: { invoiceNumber: tx.invoiceNumber, description: tx.description },
    payment: { creditCard: { cardNumber: `XXXX${tx.last4}`, expirationDate: 'XXXX', cardType: tx.cardType } },
  };
}

/** A page of transactions, sorted and paged as asked (offset is a page number from 1). */
function transactionList(transactions: StandInTransaction[], fields: Json): Json {
  const sorting = (fields.sorting ?? {}) as Json;
  const paging = (fields.paging ?? {}) as Json;
  const limit = Number(paging.limit ?? 1000);
  const offset = Number(paging.offset ?? 1);
  const rows = [...transactions];
  rows.sort((a, b) => (sorting.orderDescending ? b.submittedAt - a.submittedAt : a.submittedAt - b.submittedAt));
  const page = rows.slice((offset - 1) * limit, offset * limit).map((tx) => ({
    transId: tx.transId,
    submitTimeUTC: new Date(tx.submittedAt).toISOString(),
    submitTimeLocal: new Date(tx.submittedAt).toISOString(),
    transactionStatus: tx.status,
    invoiceNumber: tx.invoiceNumber,
    accountType: tx.cardType,
    accountNumber: `XXXX${tx.last4}`,
    settleAmount: Number(minorToDecimalOrZero(tx.settleAmountMinor)),
  }));
  return ok({ transactions: page, totalNumInResultSet: rows.length });
}

/** The batches settled between the two dates, oldest first; at most 31 days, as Authorize.Net allows. */
function settledBatchList(state: StandInState, fields: Json, now: number): Json {
  const last = fields.lastSettlementDate === undefined ? now : Date.parse(String(fields.lastSettlementDate));
  const first =
    fields.firstSettlementDate === undefined
      ? last - MAX_SETTLED_WINDOW_MS
      : Date.parse(String(fields.firstSettlementDate));
  if (Number.isNaN(first) || Number.isNaN(last) || first > last) {
    return failure('E00003', 'The settlement dates are invalid.');
  }
  if (last - first > MAX_SETTLED_WINDOW_MS) return failure('E00003', 'The date range cannot exceed 31 days.');
  const batchList = state.batches
    .filter((b) => b.settledAt >= first && b.settledAt <= last)
    .map((b) => ({
      batchId: b.batchId,
      settlementTimeUTC: new Date(b.settledAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      settlementTimeLocal: new Date(b.settledAt).toISOString().replace(/\.\d{3}Z$/, ''),
      settlementState: 'settledSuccessfully',
      paymentMethod: 'creditCard',
    }));
  return ok(batchList.length > 0 ? { batchList } : {});
}

/** Settles every captured transaction and refund into a new batch, as Authorize.Net's daily batch does. */
export function settleBatch(state: StandInState, now: number): StandInBatch | null {
  const settling = state.transactions.filter(
    (t) => t.status === 'capturedPendingSettlement' || t.status === 'refundPendingSettlement',
  );
  if (settling.length === 0) return null;
  const batch = { batchId: String(10_000_000 + state.batches.length + 1), settledAt: now };
  for (const tx of settling) {
    tx.status = tx.status === 'capturedPendingSettlement' ? 'settledSuccessfully' : 'refundSettledSuccessfully';
    tx.batchId = batch.batchId;
  }
  state.batches.push(batch);
  return batch;
}

function minorToDecimalOrZero(amountMinor: number): string {
  return amountMinor > 0 ? minorToDecimal(amountMinor) : '0.00';
}
