import t from 'tap';
import { createAuthNetClient } from '../../../service/src/payments/authnet/client.ts';
import { API_LOGIN_ID, clientFor, GOOD_CARD, nextInvoice, startStandIn, TRANSACTION_KEY } from './helpers.ts';

// A lost answer is looked up by invoice number in the unsettled list, then in the batches settled
// since: a charge that settled before reconciliation ran is still found.

const charge = (nonce: string, invoiceNumber: string, amountMinor = 4500) => ({
  nonce,
  amountMinor,
  currency: 'USD',
  invoiceNumber,
  description: 'Deposit',
  capture: true,
});

t.test('a transaction settled into a batch is found by invoice number; an unknown one is not', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const since = new Date(Date.now() - 60_000);
  const invoiceNumber = nextInvoice();
  const paid = await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber, 6100));
  await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, nextInvoice()));
  t.ok(standin.settle(), 'a batch was settled');
  const found = await client.findByInvoiceNumber(invoiceNumber, since);
  t.same(
    found.map((tx) => ({ transId: tx.transId, status: tx.status, settleAmountMinor: tx.settleAmountMinor })),
    [{ transId: paid.transId, status: 'settledSuccessfully', settleAmountMinor: 6100 }],
    'found once, settled, with its amount',
  );
  t.same(await client.findByInvoiceNumber('NEVER-SENT', since), [], 'an invoice number never charged');
  t.same(
    await client.findByInvoiceNumber(invoiceNumber, new Date(Date.now() + 60_000)),
    [],
    'nothing submitted before since',
  );
  const kinds = standin.requests.map((r) => r.rootElement);
  t.ok(kinds.includes('getSettledBatchListRequest') && kinds.includes('getTransactionListRequest'));
});

t.test('unsettled and settled transactions with the invoice number are both found, unsettled first', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const since = new Date(Date.now() - 60_000);
  const invoiceNumber = nextInvoice();
  const settled = await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber, 1000));
  standin.settle();
  const auth = await client.chargeNonce({
    ...charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber, 2000),
    capture: false,
  });
  const found = await client.findByInvoiceNumber(invoiceNumber, since);
  t.same(
    found.map((tx) => [tx.transId, tx.status]),
    [
      [auth.transId, 'authorizedPendingCapture'],
      [settled.transId, 'settledSuccessfully'],
    ],
  );
});

t.test('batches and their transactions are read page by page', async (t) => {
  const HOUR = 60 * 60_000;
  let clock = Date.now() - 2 * HOUR;
  const standin = await startStandIn(t, { now: () => clock });
  const client = createAuthNetClient({
    apiLoginId: API_LOGIN_ID,
    transactionKey: TRANSACTION_KEY,
    endpoint: standin.endpoint,
    timeoutMs: 2000,
    listPageSize: 2,
  });
  const since = new Date(clock - 60_000);
  const first = nextInvoice();
  await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, first));
  for (let i = 0; i < 4; i++) await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, nextInvoice()));
  const firstBatch = standin.settle();
  clock += HOUR;
  for (let i = 0; i < 3; i++) await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, nextInvoice()));
  standin.settle();
  const found = await client.findByInvoiceNumber(first, since);
  t.equal(found.length, 1, 'the oldest transaction of the older batch, on its third page');
  t.equal(found[0]?.status, 'settledSuccessfully');
  const pages = standin.requests
    .filter((r) => r.rootElement === 'getTransactionListRequest')
    .map((r) => {
      const body = r.body.getTransactionListRequest as { batchId: string; paging: { limit: number; offset: number } };
      return [body.batchId === firstBatch ? 'first' : 'second', body.paging.limit, body.paging.offset];
    });
  t.same(
    pages,
    [
      ['second', 2, 1],
      ['second', 2, 2],
      ['first', 2, 1],
      ['first', 2, 2],
      ['first', 2, 3],
    ],
    'the newest batch first, each to its last page',
  );
  t.throws(
    () =>
      createAuthNetClient({
        apiLoginId: API_LOGIN_ID,
        transactionKey: TRANSACTION_KEY,
        endpoint: standin.endpoint,
        timeoutMs: 2000,
        listPageSize: 1001,
      }),
    RangeError,
  );
});

t.test(
  'the settled window starts at since, at most 31 days back, and ends now (rounded up to the second)',
  async (t) => {
    const standin = await startStandIn(t);
    const now = new Date('2026-11-23T02:00:00.500Z');
    const client = createAuthNetClient({
      apiLoginId: API_LOGIN_ID,
      transactionKey: TRANSACTION_KEY,
      endpoint: standin.endpoint,
      timeoutMs: 2000,
      now: () => now,
    });
    await client.findByInvoiceNumber('X', new Date('2026-11-21T02:00:00Z'));
    await client.findByInvoiceNumber('X', new Date('2026-01-01T00:00:00Z'));
    const windows = standin.requests
      .filter((r) => r.rootElement === 'getSettledBatchListRequest')
      .map((r) => {
        const body = r.body.getSettledBatchListRequest as { firstSettlementDate: string; lastSettlementDate: string };
        return [body.firstSettlementDate, body.lastSettlementDate];
      });
    t.same(windows, [
      ['2026-11-21T02:00:00Z', '2026-11-23T02:00:01Z'],
      ['2026-10-23T02:00:01Z', '2026-11-23T02:00:01Z'],
    ]);
  },
);
