import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM, chromiumAvailable } from '../../helpers/chromium.ts';
import { API_LOGIN_ID, CLIENT_KEY, clientFor, nextInvoice, startStandIn } from './helpers.ts';

const TITLE = 'AcceptUI.js: card fields in the stand-in’s frame, the nonce to the page’s handler, then charged';

if (chromiumAvailable(t, TITLE)) {
  t.test(TITLE, async (t) => {
    const standin = await startStandIn(t);
    // The merchant's page, on another origin than the stand-in.
    const page = `<!doctype html><html><body>
<script src="${standin.origin}/v1/AcceptUI.js"></script>
<button type="button" class="AcceptUI" data-apiLoginID="${API_LOGIN_ID}" data-clientKey="${CLIENT_KEY}"
  data-acceptUIFormBtnTxt="Pay deposit" data-responseHandler="responseHandler">Pay</button>
<script>window.responseHandler = (response) => { window.anetResponse = response; };</script>
</body></html>`;
    const merchant = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => merchant.close(() => resolve())));
    const merchantOrigin = `http://localhost:${(merchant.address() as AddressInfo).port}`;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    t.teardown(() => browser.close());
    const tab = await browser.newPage();
    const posts: { origin: string; body: string }[] = [];
    tab.on('request', (request) => {
      if (request.method() === 'POST')
        posts.push({ origin: new URL(request.url()).origin, body: request.postData() ?? '' });
    });
    await tab.goto(merchantOrigin);
    await tab.click('.AcceptUI');
    const frame = tab.frameLocator('#AcceptUIContainer');
    await frame.getByLabel('Card number').fill('4111 1111 1111 1111');
    await frame.getByLabel('Expiry (MM/YY)').fill('12/35');
    await frame.getByLabel('Security code').fill('123');
    await frame.getByLabel('ZIP / postal code').fill('10001');
    await frame.getByRole('button', { name: 'Pay deposit' }).click();
    await tab.waitForFunction('window.anetResponse !== undefined');
    const response = (await tab.evaluate('window.anetResponse')) as {
      opaqueData: { dataDescriptor: string; dataValue: string };
      messages: { resultCode: string };
    };
    t.equal(response.messages.resultCode, 'Ok');
    t.equal(response.opaqueData.dataDescriptor, 'COMMON.ACCEPT.INAPP.PAYMENT');
    t.equal(await tab.locator('#AcceptUIContainer').count(), 0, 'the form closed');

    const withCard = posts.filter((p) => p.body.includes('4111111111111111'));
    t.equal(withCard.length, 1, 'the card number was posted once');
    t.same(
      withCard.map((p) => p.origin),
      [standin.origin],
      'and only to the stand-in’s origin',
    );
    t.notOk(JSON.stringify(response).includes('4111111111111111'), 'the page receives no card number');

    const charge = await clientFor(standin).chargeNonce({
      nonce: response.opaqueData.dataValue,
      amountMinor: 2500,
      currency: 'USD',
      invoiceNumber: nextInvoice(),
      description: 'Deposit',
      capture: true,
    });
    t.equal(charge.last4, '1111', 'the nonce charges the card entered');
  });
}
