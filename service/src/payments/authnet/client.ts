import type { TSchema, Static } from '@sinclair/typebox';
import { assertSupportedCurrency, decimalToMinor, minorToDecimal } from './amount.ts';
import { assertOk, classifyTransaction } from './classify.ts';
import { buildRequest, contract, type Contract } from './contracts.ts';
import { AuthNetError } from './errors.ts';
import {
  CreateTransactionResponse,
  GetSettledBatchListResponse,
  GetTransactionDetailsResponse,
  GetTransactionListResponse,
  hasShape,
  parseAnetBody,
} from './responses.ts';

export const SANDBOX_ENDPOINT = 'https://apitest.authorize.net/xml/v1/request.api';
export const PRODUCTION_ENDPOINT = 'https://api.authorize.net/xml/v1/request.api';
/** What Accept.js / AcceptUI put in opaqueData.dataDescriptor for a card nonce. */
export const ACCEPT_DATA_DESCRIPTOR = 'COMMON.ACCEPT.INAPP.PAYMENT';

export interface AuthNetClientOptions {
  apiLoginId: string;
  transactionKey: string;
  endpoint: string;
  timeoutMs: number;
  /**
   * Seconds within which Authorize.Net refuses the same card, amount and invoice number as a
   * duplicate (reason 11). Our second guard against a double charge, after the idempotency key.
   */
  duplicateWindowSeconds?: number;
  /** Rows per page of a transaction list: Authorize.Net's maximum, 1000, unless a test wants pages. */
  listPageSize?: number;
  /** The clock that ends the settled-batch window of a lookup by invoice number. */
  now?: () => Date;
}

export interface ChargeRequest {
  /** opaqueData.dataValue from Accept.js / AcceptUI: single use, valid 15 minutes. */
  nonce: string;
  amountMinor: number;
  currency: string;
  /** At most 20 characters; derived from the idempotency key so a crashed charge can be found. */
  invoiceNumber: string;
  description: string;
  /** true: authorize and capture at once; false: authorize only, capture later. */
  capture: boolean;
}

export interface TransactionResult {
  transId: string;
  authCode: string | undefined;
  /** The card's last four digits ("1111"), never more. */
  last4: string | undefined;
  cardType: string | undefined;
}

export interface TransactionDetailsResult {
  transId: string;
  refTransId: string | undefined;
  type: string;
  /** Authorize.Net's transactionStatus: authorizedPendingCapture, capturedPendingSettlement, voided, … */
  status: string;
  authAmountMinor: number | null;
  settleAmountMinor: number | null;
  invoiceNumber: string | undefined;
  submittedAt: Date;
  last4: string | undefined;
}

export interface TransactionSummaryResult {
  transId: string;
  status: string;
  invoiceNumber: string;
  settleAmountMinor: number | null;
  submittedAt: Date;
}

const MAX_PAGE_SIZE = 1000;
/** Authorize.Net refuses a settled batch list spanning more than 31 days. */
const MAX_SETTLED_WINDOW_MS = 31 * 24 * 60 * 60 * 1000;

export type AuthNetClient = ReturnType<typeof createAuthNetClient>;

/**
 * Authorize.Net's JSON API. Requests are built with the package's contracts (field order as the
 * XSD requires) and sent with fetch and a timeout. A call that changes money and does not come
 * back (network error, timeout, unreadable answer) fails as `ambiguous`: it may have been applied.
 */
export function createAuthNetClient(options: AuthNetClientOptions) {
  // The schema's limits: longer values are refused by Authorize.Net on every request.
  if (options.apiLoginId.length === 0 || options.apiLoginId.length > 25) {
    throw new RangeError('The Authorize.Net API login ID must be 1 to 25 characters');
  }
  if (options.transactionKey.length !== 16)
    throw new RangeError('The Authorize.Net transaction key must be 16 characters');
  const pageSize = options.listPageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new RangeError('The transaction list page size must be 1 to 1000');
  }
  const now = options.now ?? (() => new Date());
  function merchantAuthentication(): Contract {
    const auth = contract('MerchantAuthenticationType');
    auth.setName!(options.apiLoginId);
    auth.setTransactionKey!(options.transactionKey);
    return auth;
  }

  async function send<S extends TSchema>(body: Record<string, unknown>, schema: S, changesMoney: boolean) {
    const failure = changesMoney ? 'ambiguous' : 'unavailable';
    let parsed: unknown;
    try {
      const response = await fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      parsed = parseAnetBody(text);
    } catch (cause) {
      throw new AuthNetError(failure, { cause });
    }
    if (!hasShape(schema, parsed)) throw new AuthNetError(failure, { cause: new Error('unexpected response shape') });
    return parsed as Static<S>;
  }

  async function createTransaction(transaction: Contract, changesMoney = true): Promise<TransactionResult> {
    const body = buildRequest(() => {
      const request = contract('CreateTransactionRequest');
      request.setMerchantAuthentication!(merchantAuthentication());
      request.setTransactionRequest!(transaction);
      return request;
    });
    const response = await send(body, CreateTransactionResponse, changesMoney);
    const tx = classifyTransaction(response.messages, response.transactionResponse);
    return {
      transId: tx.transId ?? '',
      authCode: tx.authCode || undefined,
      last4: last4Of(tx.accountNumber),
      cardType: tx.accountType || undefined,
    };
  }

  function transaction(type: string, amountMinor?: number): Contract {
    const tx = contract('TransactionRequestType');
    tx.setTransactionType!(type);
    if (amountMinor !== undefined) tx.setAmount!(minorToDecimal(amountMinor));
    return tx;
  }

  async function getTransactionDetails(transId: string): Promise<TransactionDetailsResult> {
    const body = buildRequest(() => {
      const request = contract('GetTransactionDetailsRequest');
      request.setMerchantAuthentication!(merchantAuthentication());
      request.setTransId!(transId);
      return request;
    });
    const response = await send(body, GetTransactionDetailsResponse, false);
    assertOk(response.messages);
    const tx = response.transaction;
    if (!tx) throw new AuthNetError('not_found');
    return {
      transId: tx.transId,
      refTransId: tx.refTransId,
      type: tx.transactionType,
      status: tx.transactionStatus,
      authAmountMinor: decimalToMinor(tx.authAmount),
      settleAmountMinor: decimalToMinor(tx.settleAmount),
      invoiceNumber: tx.order?.invoiceNumber,
      submittedAt: new Date(tx.submitTimeUTC),
      last4: last4Of(tx.payment?.creditCard?.cardNumber),
    };
  }

  /**
   * Reads a transaction list (unsettled, or one settled batch) newest first, page by page, until a
   * transaction older than `since`, and keeps those carrying `invoiceNumber`.
   */
  async function findInList(
    invoiceNumber: string,
    since: Date,
    newRequest: () => Contract,
  ): Promise<TransactionSummaryResult[]> {
    const found: TransactionSummaryResult[] = [];
    // Paging's offset is a page number, starting at 1.
    for (let offset = 1; ; offset++) {
      const body = buildRequest(() => {
        const request = newRequest();
        request.setMerchantAuthentication!(merchantAuthentication());
        const sorting = contract('TransactionListSorting');
        sorting.setOrderBy!('submitTimeUTC');
        sorting.setOrderDescending!(true);
        request.setSorting!(sorting);
        const paging = contract('Paging');
        paging.setLimit!(pageSize);
        paging.setOffset!(offset);
        request.setPaging!(paging);
        return request;
      });
      const response = await send(body, GetTransactionListResponse, false);
      assertOk(response.messages);
      const page = response.transactions ?? [];
      for (const tx of page) {
        const submittedAt = new Date(tx.submitTimeUTC);
        if (submittedAt < since) return found;
        if (tx.invoiceNumber === invoiceNumber) {
          found.push({
            transId: tx.transId,
            status: tx.transactionStatus,
            invoiceNumber,
            settleAmountMinor: decimalToMinor(tx.settleAmount),
            submittedAt,
          });
        }
      }
      if (page.length < pageSize) return found;
    }
  }

  /** The ids of the batches settled from `since` (at most 31 days back) to now, newest first. */
  async function settledBatchesSince(since: Date): Promise<string[]> {
    // Dates go to the second: the end is rounded up so a batch settled this second is included.
    const last = new Date(Math.ceil(now().getTime() / 1000) * 1000);
    const first = new Date(Math.max(since.getTime(), last.getTime() - MAX_SETTLED_WINDOW_MS));
    if (first >= last) return [];
    const body = buildRequest(() => {
      const request = contract('GetSettledBatchListRequest');
      request.setMerchantAuthentication!(merchantAuthentication());
      request.setFirstSettlementDate!(utcSeconds(first));
      request.setLastSettlementDate!(utcSeconds(last));
      return request;
    });
    const response = await send(body, GetSettledBatchListResponse, false);
    assertOk(response.messages);
    return (response.batchList ?? [])
      .toSorted((a, b) => Date.parse(b.settlementTimeUTC) - Date.parse(a.settlementTimeUTC))
      .map((batch) => batch.batchId);
  }

  return {
    /** Charges an Accept.js nonce: authCaptureTransaction, or authOnlyTransaction when !capture. */
    chargeNonce(charge: ChargeRequest): Promise<TransactionResult> {
      assertSupportedCurrency(charge.currency);
      if (charge.invoiceNumber.length === 0 || charge.invoiceNumber.length > 20) {
        throw new RangeError('invoiceNumber must be 1 to 20 characters');
      }
      const tx = transaction(charge.capture ? 'authCaptureTransaction' : 'authOnlyTransaction', charge.amountMinor);
      tx.setCurrencyCode!(charge.currency);
      const opaqueData = contract('OpaqueDataType');
      opaqueData.setDataDescriptor!(ACCEPT_DATA_DESCRIPTOR);
      opaqueData.setDataValue!(charge.nonce);
      const payment = contract('PaymentType');
      payment.setOpaqueData!(opaqueData);
      tx.setPayment!(payment);
      const order = contract('OrderType');
      order.setInvoiceNumber!(charge.invoiceNumber);
      order.setDescription!(charge.description.slice(0, 255));
      tx.setOrder!(order);
      if (options.duplicateWindowSeconds !== undefined) {
        const setting = contract('SettingType');
        setting.setSettingName!('duplicateWindow');
        setting.setSettingValue!(String(options.duplicateWindowSeconds));
        const settings = contract('ArrayOfSetting');
        settings.setSetting!([setting]);
        tx.setTransactionSettings!(settings);
      }
      return createTransaction(tx);
    },

    /** Captures an authorization (priorAuthCaptureTransaction), for at most the authorized amount. */
    capture(transId: string, amountMinor: number): Promise<TransactionResult> {
      const tx = transaction('priorAuthCaptureTransaction', amountMinor);
      tx.setRefTransId!(transId);
      return createTransaction(tx);
    },

    /**
     * Refunds a settled transaction. Authorize.Net wants the card's last four digits; without
     * them they are read from the transaction's details first.
     */
    async refund(transId: string, amountMinor: number, last4?: string): Promise<TransactionResult> {
      const digits = last4 ?? (await getTransactionDetails(transId)).last4;
      if (!digits) throw new AuthNetError('error', { code: 'no_card_digits' });
      const card = contract('CreditCardType');
      card.setCardNumber!(digits);
      card.setExpirationDate!('XXXX');
      const payment = contract('PaymentType');
      payment.setCreditCard!(card);
      const tx = transaction('refundTransaction', amountMinor);
      tx.setPayment!(payment);
      tx.setRefTransId!(transId);
      return createTransaction(tx);
    },

    /** Voids an unsettled transaction (an authorization, or a capture before settlement). */
    void(transId: string): Promise<TransactionResult> {
      const tx = transaction('voidTransaction');
      tx.setRefTransId!(transId);
      return createTransaction(tx);
    },

    getTransactionDetails,

    /**
     * Finds the transactions carrying `invoiceNumber` submitted at or after `since`, to settle a
     * charge whose answer never came back: the unsettled ones newest first, then the settled ones.
     *
     * Authorize.Net has no search by invoice number. getTransactionListForCustomer needs a
     * customer profile (our charges use one-time nonces, so there is none). getUnsettledTransactionList
     * holds every transaction until the merchant's daily settlement; a transaction settled since
     * `since` is in one of the batches settled since then (getSettledBatchList, at most 31 days
     * back), read with getTransactionList. The unsettled list is read first: a transaction that
     * settles between the two reads is then in the batches, so it cannot be missed.
     */
    async findByInvoiceNumber(invoiceNumber: string, since: Date): Promise<TransactionSummaryResult[]> {
      const found = await findInList(invoiceNumber, since, () => contract('GetUnsettledTransactionListRequest'));
      for (const batchId of await settledBatchesSince(since)) {
        const settled = await findInList(invoiceNumber, since, () => {
          const request = contract('GetTransactionListRequest');
          request.setBatchId!(batchId);
          return request;
        });
        for (const tx of settled) if (!found.some((f) => f.transId === tx.transId)) found.push(tx);
      }
      return found;
    },
  };
}

/** `2026-11-23T01:56:06Z`: Authorize.Net's settlement dates, in UTC to the second. */
function utcSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function last4Of(accountNumber: string | undefined): string | undefined {
  const digits = accountNumber?.replace(/\D/g, '');
  return digits ? digits.slice(-4) : undefined;
}
