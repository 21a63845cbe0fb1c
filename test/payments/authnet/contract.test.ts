import t from 'tap';
import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';
import { findSpec } from '../../helpers/specs.ts';
import { TEST_TRIGGERS } from '../../../service/src/payments/authnet/standin/cards.ts';
import { clientFor, GOOD_CARD, nextInvoice, startStandIn } from './helpers.ts';
import { anetJsonToXml } from './json-to-xml.ts';

const xsdSpec = findSpec('AnetApiSchema.xsd');
const absent = xsdSpec.skip;
const SPEC_FILE = xsdSpec.path!;

async function validate(xsd: string, request: Record<string, unknown>) {
  const result = await validateXML({
    xml: [{ fileName: 'request.xml', contents: anetJsonToXml(request) }],
    schema: [{ fileName: 'AnetApiSchema.xsd', contents: xsd }],
  });
  // xmllint also warns that the namespace URI is relative (Authorize.Net's own choice): not an error.
  return result.valid ? [] : result.errors.map((e) => e.message).filter((m) => !m.startsWith('namespace warning'));
}

t.test('every request the client sends is valid against AnetApiSchema.xsd', { skip: absent }, async (t) => {
  const xsd = readFileSync(SPEC_FILE, 'utf8');
  const standin = await startStandIn(t);
  const client = clientFor(standin);
  const charge = (capture: boolean, amountMinor: number) => ({
    nonce: standin.mintNonce(GOOD_CARD).dataValue,
    amountMinor,
    currency: 'USD',
    invoiceNumber: nextInvoice(),
    description: 'Deposit <Dr. Ana> & co',
    capture,
  });
  const paid = await client.chargeNonce(charge(true, 4500));
  const auth = await client.chargeNonce(charge(false, 2000));
  await client.capture(auth.transId, 1999);
  const other = await client.chargeNonce(charge(false, 1000));
  await client.void(other.transId);
  standin.settle();
  await client.refund(paid.transId, 500);
  await client.refund(paid.transId, 500, '1111');
  await client.getTransactionDetails(paid.transId);
  // After settle(): the unsettled list, the settled batch list and the settled batch's transactions.
  await client.findByInvoiceNumber('INV-1', new Date(0));
  await client
    .chargeNonce({
      ...charge(true, 100),
      nonce: standin.mintNonce({ ...GOOD_CARD, zip: TEST_TRIGGERS.declineZip }).dataValue,
    })
    .catch(() => undefined);

  const kinds = new Set(
    standin.requests.map((r) => {
      const body = r.body[r.rootElement] as { transactionRequest?: { transactionType?: string } };
      return body.transactionRequest?.transactionType ?? r.rootElement;
    }),
  );
  t.same(
    [...kinds].sort(),
    [
      'authCaptureTransaction',
      'authOnlyTransaction',
      'getSettledBatchListRequest',
      'getTransactionDetailsRequest',
      'getTransactionListRequest',
      'getUnsettledTransactionListRequest',
      'priorAuthCaptureTransaction',
      'refundTransaction',
      'voidTransaction',
    ],
    'every kind of request was sent',
  );
  for (const request of standin.requests) {
    t.same(await validate(xsd, request.body), [], `${request.rootElement} is valid`);
  }
});

t.test('the check fails a request with fields out of order or unknown', { skip: absent }, async (t) => {
  const xsd = readFileSync(SPEC_FILE, 'utf8');
  const auth = { name: 'login', transactionKey: 'key' };
  const valid = { getTransactionDetailsRequest: { merchantAuthentication: auth, transId: '123' } };
  t.same(await validate(xsd, valid), [], 'the well-ordered request passes');
  const reordered = { getTransactionDetailsRequest: { transId: '123', merchantAuthentication: auth } };
  t.not((await validate(xsd, reordered)).length, 0, 'fields out of order fail');
  const unknown = { getTransactionDetailsRequest: { merchantAuthentication: auth, transId: '123', color: 'red' } };
  t.not((await validate(xsd, unknown)).length, 0, 'an unknown field fails');
  const amountFirst = {
    createTransactionRequest: {
      merchantAuthentication: auth,
      transactionRequest: { amount: '1.00', transactionType: 'authCaptureTransaction' },
    },
  };
  t.not((await validate(xsd, amountFirst)).length, 0, 'amount before transactionType fails');
});
