// The deposit step, between the details and the confirmation: the held appointment, what is paid
// and when, the refund policy, and Authorize.Net's AcceptUI button. The card form opens in a frame
// from Authorize.Net's origin; only the nonce it returns is posted here (assets/accept-ui.js), with the
// payment link and an idempotency key made for this form.
import { ACCEPT_RESPONSE_HANDLER } from '../accept-ui.ts';
import type { BookingView } from '../../booking/types.ts';
import type { DepositNote, DepositSummary, PaymentStep } from '../../deposits/service.ts';
import type { Payments } from '../../plugins/payments.ts';
import { formatTime, formatWhen } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';

export const PAY_PATH = '/book/pay';

/** '£20.00' in the page's locale. */
export function formatDeposit(locale: string, amountMinor: number, currency: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amountMinor / 100);
}

function summaryList({ text, locale }: PageLanguage, summary: DepositSummary): SafeHtml {
  return html`<dl class="summary">
    <dt>${text.confirmation.service}</dt>
    <dd dir="auto">${summary.typeName}</dd>
    <dt>${text.confirmation.when}</dt>
    <dd>${formatWhen(summary.start, summary.timeZone, locale)}</dd>
    <dt>${text.confirmation.with}</dt>
    <dd dir="auto">${summary.resourceName}</dd>
    <dt>${text.confirmation.where}</dt>
    <dd dir="auto">${summary.orgName}</dd>
    <dt>${text.deposit.amount}</dt>
    <dd><strong>${formatDeposit(locale, summary.amountMinor, summary.currency)}</strong></dd>
  </dl>`;
}

export function paymentPage(
  language: PageLanguage,
  step: Extract<PaymentStep, { kind: 'pay' }>,
  token: string,
  acceptUi: Payments['acceptUi'],
  scriptPath: string,
): PageContent {
  const { text, locale } = language;
  const { summary } = step;
  const declined = step.declined && (text.deposit.declined[step.declined] ?? text.deposit.declined.error);
  return {
    title: declined ? text.deposit.declinedTitle : text.deposit.title,
    body: html`${
        declined &&
        html`<div class="error-summary" role="alert" tabindex="-1" data-error-summary>
          <p>${declined}</p>
          <p>${text.deposit.noCharge}</p>
        </div>`
      }
      ${summaryList(language, summary)}
      <p>${text.deposit.heldUntil(formatTime(summary.heldUntil, summary.timeZone, locale))}</p>
      <p>${summary.captureAtBooking ? text.deposit.chargedNow : text.deposit.authorizedNow(summary.cutoffHours)}</p>
      <p>${text.deposit.refundPolicy(summary.cutoffHours)}</p>
      <form
        id="deposit-form"
        data-accept-form
        method="post"
        action="${PAY_PATH}"
        data-card-error="${text.deposit.cardFormError}"
      >
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="idempotencyKey" value="${step.idempotencyKey}" />
        <input type="hidden" name="dataDescriptor" value="" />
        <input type="hidden" name="dataValue" value="" />
        <p>${text.deposit.cardNote}</p>
        <p id="card-error" class="error-message" role="alert"></p>
        <button
          type="button"
          class="AcceptUI button button-primary"
          data-billingAddressOptions='{"show":true,"required":false}'
          data-apiLoginID="${acceptUi.apiLoginId}"
          data-clientKey="${acceptUi.clientKey}"
          data-acceptUIFormBtnTxt="${text.deposit.formButton}"
          data-acceptUIFormHeaderTxt="${text.deposit.formHeader}"
          data-paymentOptions='{"showCreditCard":true,"showBankAccount":false}'
          data-responseHandler="${ACCEPT_RESPONSE_HANDLER}"
        >
          ${text.deposit.pay}
        </button>
        <noscript><p>${text.deposit.scriptNeeded}</p></noscript>
      </form>
      <script src="${scriptPath}"></script>
      <script src="${acceptUi.scriptUrl}" charset="utf-8"></script>`,
  };
}

/** An attempt is out, or its answer is being looked up: nothing to do but look again. */
export function checkingPage(language: PageLanguage, summary: DepositSummary | undefined, token: string): PageContent {
  const { text } = language;
  return {
    title: text.deposit.checkingTitle,
    body: html`<p role="status">${text.deposit.checkingBody}</p>
      ${summary && summaryList(language, summary)}
      <p>
        <a class="button button-primary" href="${PAY_PATH}?token=${encodeURIComponent(token)}"
          >${text.deposit.checkAgain}</a
        >
      </p>`,
  };
}

/** Over without a booking: the window ran out, or the money went back. */
export function closedPage(language: PageLanguage, step: Extract<PaymentStep, { kind: 'closed' }>): PageContent {
  const { text } = language;
  const message = text.deposit.closed[step.reason];
  return {
    title: message.title,
    body: html`<p>${message.body}</p>
      ${step.orgSlug && html`<p><a class="button" href="/book/${encodeURIComponent(step.orgSlug)}">${text.errors.startAgain}</a></p>`}`,
  };
}

/**
 * What a confirmation or manage page says about the booking's deposit: paid or reserved when
 * booked; given back if cancelled now, or kept once it is too late to cancel online.
 */
export function depositNoteText(
  { text, locale }: PageLanguage,
  note: DepositNote,
  booking: BookingView,
  page: 'booked' | 'manage' | 'cancel' | 'cancelled',
): string | undefined {
  const amount = formatDeposit(locale, note.amountMinor, note.currency);
  if (note.returned || page === 'cancelled') return text.deposit.refunded(amount);
  if (!note.held) return undefined;
  switch (page) {
    case 'booked':
      return note.captured ? text.deposit.paid(amount) : text.deposit.reserved(amount);
    case 'cancel':
      return text.deposit.willBeRefunded(amount);
    case 'manage':
      if (booking.status === 'cancelled') return undefined;
      return booking.canCancel ? text.deposit.refundedIfCancelled(amount) : text.deposit.notRefundable(amount);
  }
}
