// Deposits end to end on PGlite and PostgreSQL: the booking pages as buildApp serves them, the org
// emulator's demo clinic (its Initial Assessment asks for a deposit of 20, charged at booking) and
// the Authorize.Net stand-in. The details step leads to the payment step; a decline says so; a
// payment books the appointment with its payment status in the org; cancelling gives the deposit
// back; the public API refuses the type; extra form fields are refused; a window that ran out takes
// nothing; a void made at Authorize.Net arrives by signed webhook.
import t from 'tap';
import { TEST_TRIGGERS } from '../../service/src/payments/authnet/standin/cards.ts';
import { signAnetWebhook } from '../../service/src/payments/authnet/webhook.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';
import { firstSlot, SLUG } from '../booking/helpers.ts';
import { formFields, heading, postForm } from '../page/page-app.ts';
import { depositApp, GOOD_CARD } from './deposit-helpers.ts';

const ACCEPT = 'COMMON.ACCEPT.INAPP.PAYMENT';
const DETAILS = {
  name: 'Aisha Khan',
  phone: '07911 123456',
  email: 'aisha@example.com',
  smsConsent: 'yes',
};

for (const backend of BACKENDS) {
  t.test(`a deposit on the booking pages on ${backend}`, async (t) => {
    const env = await depositApp(t, backend);
    if (!env) return;
    const { app, org, ids, standin, logs } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const details = `/book/${SLUG}/${typeId}/details`;
    const slot = await firstSlot(app, typeId);

    const form = await app.inject({ url: `${details}?start=${encodeURIComponent(slot.start)}&tz=Europe/London` });
    t.match(form.body, 'This appointment asks for a deposit of US$20.00. You pay it on the next step.');
    t.match(form.body, 'Continue to payment');
    t.notMatch(form.headers['content-security-policy'], standin.origin, 'no AcceptUI before the payment step');

    const held = await postForm(app, details, { ...formFields(form.body, details), ...DETAILS });
    t.equal(held.statusCode, 303, held.body);
    const payUrl = held.headers.location as string;
    t.match(payUrl, /^\/book\/pay\?token=[A-Za-z0-9_-]{48}$/);
    t.equal(org.records('Slotwise_Appointment__c').filter((r) => r.Patient_Name__c === DETAILS.name).length, 0);

    const page = await app.inject({ url: payUrl });
    t.equal(page.statusCode, 200);
    t.equal(heading(page.body), 'Pay the deposit');
    t.match(page.body, 'US$20.00');
    t.match(page.body, 'We are holding this time for you until');
    t.match(
      page.body,
      'If you cancel online up to 24 hours before the appointment, the deposit is given back in full.',
    );
    t.match(page.body, `<script src="${standin.origin}/v3/AcceptUI.js"`);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(csp.split(';').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
    t.same(directives.get('script-src'), ["'self'", standin.origin], 'script from us and AcceptUI only');
    t.same(directives.get('connect-src'), ["'self'", standin.origin]);
    t.same(directives.get('frame-src'), [standin.origin], 'frames from AcceptUI only');
    t.match(csp, "frame-ancestors 'none'", 'still never framed');
    const token = new URL(payUrl, 'https://x').searchParams.get('token')!;
    const key = () => /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!;
    const pay = (fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/book/pay',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });

    // Bad input: an amount of the client's choosing, a tampered link, no nonce.
    const nonce = () => standin.mintNonce(GOOD_CARD).dataValue;
    const base = { token, idempotencyKey: key(), dataDescriptor: ACCEPT };
    t.equal((await pay({ ...base, dataValue: nonce(), amount: '0.01' })).statusCode, 400, 'an amount is refused');
    const tampered = token[5] === 'A' ? 'B' : 'A';
    t.equal(
      (await pay({ ...base, token: token.slice(0, 5) + tampered + token.slice(6), dataValue: nonce() })).statusCode,
      403,
    );
    t.equal((await pay({ token, idempotencyKey: key(), dataDescriptor: ACCEPT })).statusCode, 400, 'no nonce');
    t.equal(standin.transactions().length, 0, 'nothing charged by any of them');

    const declined = await pay({
      ...base,
      dataValue: standin.mintNonce({ ...GOOD_CARD, zip: TEST_TRIGGERS.declineZip }).dataValue,
    });
    t.equal(declined.statusCode, 402);
    t.equal(heading(declined.body), 'The payment did not go through');
    t.match(declined.body, 'The card was declined.');
    const retryKey = /name="idempotencyKey" value="([^"]+)"/.exec(declined.body)![1]!;
    t.not(retryKey, base.idempotencyKey, 'a fresh key for the next attempt');

    const paid = await pay({ ...base, idempotencyKey: retryKey, dataValue: nonce() });
    t.equal(paid.statusCode, 303, paid.body);
    const confirmation = await app.inject({ url: paid.headers.location as string });
    t.equal(heading(confirmation.body), 'Your appointment is booked');
    t.match(confirmation.body, 'Deposit paid: US$20.00.');
    const charge = standin.transactions().find((tx) => tx.status === 'capturedPendingSettlement')!;
    const appointment = org.records('Slotwise_Appointment__c').find((r) => r.Patient_Name__c === DETAILS.name);
    t.match(appointment, {
      Status__c: 'Scheduled',
      Payment_Status__c: 'Paid',
      Payment_Reference__c: charge.transId,
      Source__c: 'Public Page',
    });
    t.equal(charge.authAmountMinor, 2000);
    // The payment link now leads to the confirmation.
    t.equal((await app.inject({ url: payUrl })).statusCode, 303);

    // The public API cannot book around the payment.
    const api = await app.inject({
      method: 'POST',
      url: `/api/public/v1/orgs/${SLUG}/bookings`,
      headers: { 'idempotency-key': 'api-key-000000000000001' },
      payload: {
        typeId,
        start: (await firstSlot(app, typeId)).start,
        timeZone: 'Europe/London',
        name: 'Api Caller',
        phone: '07911 654321',
        smsConsent: false,
        locale: 'en-GB',
      },
    });
    t.equal(api.statusCode, 409);
    t.equal(api.json().code, 'deposit_required');

    // Cancelling (before the cutoff) gives the deposit back, and the pages say so first.
    const cancelToken = new URL(paid.headers.location as string, 'https://x').searchParams.get('cancel')!;
    const manage = await app.inject({ url: `/manage?token=${cancelToken}` });
    t.match(manage.body, 'If you cancel, your deposit of US$20.00 is given back to your card.');
    const confirm = await app.inject({ url: `/manage/cancel?token=${cancelToken}` });
    t.match(confirm.body, 'Your deposit of US$20.00 will be given back to your card.');
    const cancelled = await postForm(app, '/manage/cancel', { token: cancelToken });
    t.equal(cancelled.statusCode, 303);
    const after = await app.inject({ url: cancelled.headers.location as string });
    t.match(after.body, 'Your deposit of US$20.00 is being given back to your card.');
    t.equal(standin.transactions().find((tx) => tx.transId === charge.transId)!.status, 'voided');
    await waitFor('the org told', async () =>
      org.records('Slotwise_Appointment__c').find((r) => r.Id === appointment!.Id)?.Payment_Status__c === 'Refunded'
        ? true
        : undefined,
    );
    t.notOk(
      logs.some((line) => line.includes(token) || line.includes('4111') || line.includes('Aisha')),
      'no payment link, card number or name in the log',
    );
  });

  t.test(`a payment window that ran out on ${backend}`, async (t) => {
    const env = await depositApp(t, backend, { holdMs: 1500 });
    if (!env) return;
    const { app, ids, standin } = env;
    const typeId = ids.get('TypeInitialRef')!;
    const details = `/book/${SLUG}/${typeId}/details`;
    const slot = await firstSlot(app, typeId);
    const form = await app.inject({ url: `${details}?start=${encodeURIComponent(slot.start)}&tz=Europe/London` });
    const held = await postForm(app, details, { ...formFields(form.body, details), ...DETAILS });
    const page = await app.inject({ url: held.headers.location as string });
    const token = new URL(held.headers.location as string, 'https://x').searchParams.get('token')!;
    const idempotencyKey = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const late = await app.inject({
      method: 'POST',
      url: '/book/pay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        token,
        idempotencyKey,
        dataDescriptor: ACCEPT,
        dataValue: standin.mintNonce(GOOD_CARD).dataValue,
      }).toString(),
    });
    t.equal(late.statusCode, 410);
    t.equal(heading(late.body), 'This time is no longer held for you');
    t.match(late.body, 'Nothing was charged.');
    t.equal(standin.transactions().length, 0);
    // The time is free again.
    t.equal((await firstSlot(app, typeId)).start, slot.start);
  });
}

t.test('a void made at Authorize.Net reaches the deposit through the signed webhook', async (t) => {
  const env = await depositApp(t, 'pglite');
  if (!env) return;
  const { app, org, ids, standin } = env;
  const typeId = ids.get('TypeInitialRef')!;
  const details = `/book/${SLUG}/${typeId}/details`;
  const slot = await firstSlot(app, typeId);
  const form = await app.inject({ url: `${details}?start=${encodeURIComponent(slot.start)}&tz=Europe/London` });
  const held = await postForm(app, details, { ...formFields(form.body, details), ...DETAILS });
  const page = await app.inject({ url: held.headers.location as string });
  const paid = await app.inject({
    method: 'POST',
    url: '/book/pay',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      token: new URL(held.headers.location as string, 'https://x').searchParams.get('token')!,
      idempotencyKey: /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!,
      dataDescriptor: ACCEPT,
      dataValue: standin.mintNonce(GOOD_CARD).dataValue,
    }).toString(),
  });
  t.equal(paid.statusCode, 303);
  const transId = standin.transactions()[0]!.transId;
  const body = JSON.stringify({
    notificationId: 'b1e5a1de-0000-4000-8000-000000000001',
    eventType: 'net.authorize.payment.void.created',
    eventDate: new Date().toISOString(),
    webhookId: 'webhook-1',
    payload: { responseCode: 1, authAmount: 20, entityName: 'transaction', id: transId },
  });
  const forged = await app.inject({
    method: 'POST',
    url: '/webhooks/authnet',
    headers: { 'content-type': 'application/json', 'x-anet-signature': signAnetWebhook('CD'.repeat(64), body) },
    payload: body,
  });
  t.equal(forged.statusCode, 403, 'a forged event changes nothing');
  const signed = await app.inject({
    method: 'POST',
    url: '/webhooks/authnet',
    headers: { 'content-type': 'application/json', 'x-anet-signature': signAnetWebhook('AB'.repeat(64), body) },
    payload: body,
  });
  t.equal(signed.statusCode, 200);
  await waitFor('the org told', async () =>
    org.records('Slotwise_Appointment__c').find((r) => r.Payment_Reference__c === transId)?.Payment_Status__c ===
    'Refunded'
      ? true
      : undefined,
  );
  const confirmation = await app.inject({ url: paid.headers.location as string });
  t.match(confirmation.body, 'Your deposit of US$20.00 is being given back to your card.');
  t.match(confirmation.body, 'Your appointment is booked', 'the booking stands: the clinic decides');
});
