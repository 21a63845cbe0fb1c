import t, { type Test } from 'tap';
import { request } from 'node:http';
import { AuthNetError } from '../../../service/src/payments/authnet/errors.ts';
import { registeredLoggerCount } from '../../../service/src/payments/authnet/contracts.ts';
import { parseAnetBody } from '../../../service/src/payments/authnet/responses.ts';
import { TEST_TRIGGERS } from '../../../service/src/payments/authnet/standin/cards.ts';
import { clientFor, GOOD_CARD, nextInvoice, startStandIn } from './helpers.ts';

const charge = (nonce: string, invoiceNumber = nextInvoice(), amountMinor = 4500, capture = true) => ({
  nonce,
  amountMinor,
  currency: 'USD',
  invoiceNumber,
  description: 'Deposit',
  capture,
});

async function failure(t: Test, promise: Promise<unknown>): Promise<AuthNetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, AuthNetError);
  return error as AuthNetError;
}

t.test('an approved authorize-and-capture, its details, the amount as a decimal string', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const invoiceNumber = nextInvoice();
  const result = await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber, 4505));
  t.match(result, { transId: /^\d+$/, authCode: /^[0-9A-Z]{6}$/, last4: '1111', cardType: 'Visa' });
  const sent = standin.requests.at(-1)!.body as {
    createTransactionRequest: { transactionRequest: { amount: unknown } };
  };
  t.equal(sent.createTransactionRequest.transactionRequest.amount, '45.05', 'sent as a decimal string');
  const details = await client.getTransactionDetails(result.transId);
  t.match(details, {
    transId: result.transId,
    type: 'authCaptureTransaction',
    status: 'capturedPendingSettlement',
    authAmountMinor: 4505,
    settleAmountMinor: 4505,
    invoiceNumber,
    last4: '1111',
  });
});

t.test('authorize only, then capture; void; refund after settlement', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const auth = await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, nextInvoice(), 2000, false));
  t.equal((await client.getTransactionDetails(auth.transId)).status, 'authorizedPendingCapture');
  const over = await failure(t, client.capture(auth.transId, 2001));
  t.equal(over.kind, 'error', 'cannot capture more than authorized');
  await client.capture(auth.transId, 1500);
  t.match(await client.getTransactionDetails(auth.transId), {
    status: 'capturedPendingSettlement',
    settleAmountMinor: 1500,
  });
  t.equal((await failure(t, client.capture(auth.transId, 1500))).code, '311', 'already captured');

  const other = await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, nextInvoice(), 3000, false));
  await client.void(other.transId);
  t.equal((await client.getTransactionDetails(other.transId)).status, 'voided');

  const unsettled = await failure(t, client.refund(auth.transId, 500));
  t.equal(unsettled.code, '54', 'an unsettled transaction cannot be refunded');
  standin.settle();
  const refund = await client.refund(auth.transId, 500);
  t.not(refund.transId, auth.transId, 'a refund is its own transaction');
  t.match(await client.getTransactionDetails(refund.transId), { type: 'refundTransaction', refTransId: auth.transId });
  t.equal((await failure(t, client.refund(auth.transId, 1001, '1111'))).code, '55', 'no more than was captured');
});

t.test('declines, expired card, CVV and AVS mismatch, held for review: typed errors with safe messages', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const cases = [
    { card: { ...GOOD_CARD, zip: TEST_TRIGGERS.declineZip }, kind: 'declined', code: '2' },
    { card: { ...GOOD_CARD, expirationDate: '01/20' }, kind: 'expired_card', code: '8' },
    { card: { ...GOOD_CARD, cardCode: TEST_TRIGGERS.cvvMismatchCode }, kind: 'cvv_mismatch', code: '65' },
    { card: { ...GOOD_CARD, zip: TEST_TRIGGERS.avsMismatchZip }, kind: 'avs_mismatch', code: '27' },
    { card: { ...GOOD_CARD, zip: TEST_TRIGGERS.heldZip }, kind: 'held', code: '252' },
  ];
  for (const { card, kind, code } of cases) {
    const error = await failure(t, client.chargeNonce(charge(standin.mintNonce(card).dataValue)));
    t.equal(error.kind, kind, kind);
    t.equal(error.code, code);
    t.notMatch(error.message, /\d{4}|E000/, 'no card digits or codes in the message');
  }
  const held = standin.transactions().find((tx) => tx.status === 'FDSPendingReview');
  t.ok(held, 'a held transaction exists at Authorize.Net');
});

t.test('a duplicate within the window is refused (E00027 / 11); a new invoice number is not a duplicate', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const invoiceNumber = nextInvoice();
  await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber));
  const duplicate = await failure(t, client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber)));
  t.equal(duplicate.kind, 'duplicate');
  t.equal(duplicate.code, '11');
  await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue));
  t.equal(standin.transactions().length, 2, 'the duplicate created nothing');
});

t.test('a nonce is single use: a replay is refused as Invalid OTS Token', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const nonce = standin.mintNonce(GOOD_CARD).dataValue;
  await client.chargeNonce(charge(nonce));
  const replay = await failure(t, client.chargeNonce(charge(nonce)));
  t.equal(replay.kind, 'invalid_payment');
  t.equal(replay.code, 'E00114');
  t.equal(standin.transactions().length, 1);
});

t.test('wrong credentials: auth_failed; unknown transaction: not_found', async (t) => {
  const standin = await startStandIn(t);
  const wrong = clientFor({ endpoint: standin.endpoint });
  const { createAuthNetClient } = await import('../../../service/src/payments/authnet/client.ts');
  const bad = createAuthNetClient({
    apiLoginId: 'x',
    transactionKey: 'y'.repeat(16),
    endpoint: standin.endpoint,
    timeoutMs: 2000,
  });
  t.throws(
    () => createAuthNetClient({ apiLoginId: 'x', transactionKey: 'short', endpoint: '', timeoutMs: 1 }),
    RangeError,
  );
  t.equal((await failure(t, bad.getTransactionDetails('1'))).kind, 'auth_failed');
  t.equal((await failure(t, wrong.getTransactionDetails('123'))).kind, 'not_found');
});

t.test('answers start with a BOM and are read', async (t) => {
  const standin = await startStandIn(t);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const req = request(
      standin.endpoint,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      },
    );
    req.on('error', reject);
    req.end('{"getTransactionDetailsRequest":{}}');
  });
  t.same([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the stand-in sends the UTF-8 BOM');
  t.throws(() => JSON.parse(raw.toString('utf8')), 'JSON.parse alone fails on it');
  t.match(parseAnetBody(raw.toString('utf8')), { messages: { resultCode: 'Error' } });
  const client = clientFor(standin);
  t.equal((await failure(t, client.getTransactionDetails('1'))).kind, 'not_found', 'the client reads it');
});

t.test('timeout after the charge applied: ambiguous, then found by invoice number', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin, 200);
  const since = new Date(Date.now() - 60_000);
  await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue));
  const invoiceNumber = nextInvoice();
  standin.injectFault({ kind: 'slow', delayMs: 1000 });
  const timedOut = await failure(
    t,
    client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue, invoiceNumber, 7700)),
  );
  t.equal(timedOut.kind, 'ambiguous');
  const found = await client.findByInvoiceNumber(invoiceNumber, since);
  t.equal(found.length, 1, 'the charge happened');
  t.match(found[0], { invoiceNumber, status: 'capturedPendingSettlement', settleAmountMinor: 7700 });
  t.same(await client.findByInvoiceNumber(invoiceNumber, new Date(Date.now() + 60_000)), [], 'nothing before since');
  t.same(await client.findByInvoiceNumber('NEVER-SENT', since), []);
});

t.test('unreachable: a charge is ambiguous, a read is unavailable; nothing applied', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  standin.injectFault({ kind: 'unreachable' }, { kind: 'unreachable' });
  t.equal((await failure(t, client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue)))).kind, 'ambiguous');
  t.equal((await failure(t, client.getTransactionDetails('1'))).kind, 'unavailable');
  t.equal(standin.transactions().length, 0);
});

t.test('amounts and invoice numbers are checked before sending', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  t.throws(() => client.chargeNonce(charge('n', nextInvoice(), 12.5)), RangeError);
  t.throws(() => client.chargeNonce(charge('n', 'X'.repeat(21))), RangeError);
  t.throws(() => client.chargeNonce({ ...charge('n'), currency: 'JPY' }), RangeError);
  t.equal(standin.requests.length, 0);
});

t.test('building requests leaves no loggers behind in the package', async (t) => {
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  await client.getTransactionDetails('1').catch(() => undefined);
  const before = registeredLoggerCount();
  for (let i = 0; i < 5; i++) await client.chargeNonce(charge(standin.mintNonce(GOOD_CARD).dataValue));
  t.equal(registeredLoggerCount(), before);
});
