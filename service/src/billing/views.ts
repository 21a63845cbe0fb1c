// The billing page and its answers, in the booking pages' shell (page/layout.ts). Card entry is
// Authorize.Net's AcceptUI: the button opens its form in a frame from Authorize.Net's origin, and
// only the nonce it returns is posted to us, with the pack and the payment's idempotency key.
import { ACCEPT_RESPONSE_HANDLER } from '../page/accept-ui.ts';
import { majorAmount, packId, type CreditPack } from '../credits/packs.ts';
import type { Payments } from '../plugins/payments.ts';
import { html, type SafeHtml } from '../page/html.ts';
import type { PageContent } from '../page/layout.ts';
import type { PageLanguage } from '../page/text/index.ts';
import type { CreditPurchase } from './purchases.ts';

/** Where the page posts the nonce. */
export const CHARGE_PATH = '/billing/charge';

export interface PayState {
  orgName: string;
  token: string;
  idempotencyKey: string;
  /** The packs offered (one when the console preselected it). */
  packs: readonly CreditPack[];
  expiresAt: Date;
  acceptUi: Payments['acceptUi'];
  /** Why the previous attempt failed, shown above the form. */
  failure?: string;
}

export function formatMoney(locale: string, money: CreditPack['price']): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(majorAmount(money));
}

function formatTime(locale: string, at: Date): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', dateStyle: 'medium' }).format(at);
}

export function payPage(language: PageLanguage, state: PayState): PageContent {
  const { text, locale } = language;
  const only = state.packs.length === 1 ? state.packs[0] : undefined;
  const packChoice = only
    ? html`<p class="summary">${text.billing.pack(only.credits, formatMoney(locale, only.price))}</p>
        <input type="hidden" name="packId" value="${packId(only)}" />`
    : html`<fieldset>
        <legend>${text.billing.packsLegend}</legend>
        <div class="radio-times">
          ${state.packs.map(
            (pack, index) =>
              html`<label
                ><input type="radio" name="packId" value="${packId(pack)}" ${index === 0 && html`checked`} />
                ${text.billing.pack(pack.credits, formatMoney(locale, pack.price))}</label
              >`,
          )}
        </div>
      </fieldset>`;
  return {
    title: state.failure ? text.billing.failedTitle : text.billing.title,
    body: html`${state.failure && failureNotice(language, state.failure)}
      <p>${text.billing.intro(state.orgName)}</p>
      <form
        id="charge-form"
        data-accept-form
        method="post"
        action="${CHARGE_PATH}"
        data-card-error="${text.billing.cardFormError}"
      >
        <input type="hidden" name="token" value="${state.token}" />
        <input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}" />
        <input type="hidden" name="dataDescriptor" value="" />
        <input type="hidden" name="dataValue" value="" />
        ${packChoice}
        <p>${text.billing.cardNote}</p>
        <p id="card-error" class="error-message" role="alert"></p>
        <button
          type="button"
          class="AcceptUI button button-primary"
          data-billingAddressOptions='{"show":true,"required":false}'
          data-apiLoginID="${state.acceptUi.apiLoginId}"
          data-clientKey="${state.acceptUi.clientKey}"
          data-acceptUIFormBtnTxt="${text.billing.formButton}"
          data-acceptUIFormHeaderTxt="${text.billing.formHeader}"
          data-paymentOptions='{"showCreditCard":true,"showBankAccount":false}'
          data-responseHandler="${ACCEPT_RESPONSE_HANDLER}"
        >
          ${text.billing.pay}
        </button>
        <noscript><p>${text.billing.scriptNeeded}</p></noscript>
      </form>
      <p>${text.billing.linkUntil(formatTime(locale, state.expiresAt))}</p>
      <script src="${state.acceptUi.scriptUrl}" charset="utf-8"></script>`,
  };
}

function failureNotice({ text }: PageLanguage, failure: string): SafeHtml {
  return html`<div class="error-summary" role="alert" tabindex="-1" data-error-summary>
    <p>${text.billing.failures[failure] ?? text.billing.failures.error}</p>
    <p>${text.billing.noCharge}</p>
  </div>`;
}

/** A failed payment whose link cannot be used again (expired): what happened, no form. */
export function failedPage(language: PageLanguage, purchase: CreditPurchase): PageContent {
  return { title: language.text.billing.failedTitle, body: failureNotice(language, purchase.outcome ?? 'error') };
}

export function receiptPage({ text, locale }: PageLanguage, purchase: CreditPurchase): PageContent {
  return {
    title: text.billing.receiptTitle,
    body: html`<dl class="summary">
        <dt>${text.billing.receiptCredits}</dt>
        <dd>${purchase.credits}</dd>
        <dt>${text.billing.receiptAmount}</dt>
        <dd>${formatMoney(locale, purchase.money)}</dd>
        ${
          purchase.cardLast4 &&
          html`<dt>${text.billing.receiptCard}</dt>
            <dd>${text.billing.cardEnding(purchase.cardLast4)}</dd>`
        }
        <dt>${text.billing.receiptTransaction}</dt>
        <dd>${purchase.transId}</dd>
      </dl>
      <p role="status">${text.billing.receiptRecorded}</p>`,
  };
}

/** A payment whose outcome is not known yet: do not pay again; a button to look again. */
export function pendingPage(
  { text }: PageLanguage,
  purchase: CreditPurchase,
  recheck: { token: string; packId: string },
): PageContent {
  return {
    title: text.billing.pendingTitle,
    body: html`<p role="status">${purchase.outcome === 'held' ? text.billing.heldBody : text.billing.pendingBody}</p>
      <form method="post" action="${CHARGE_PATH}">
        <input type="hidden" name="token" value="${recheck.token}" />
        <input type="hidden" name="idempotencyKey" value="${purchase.idempotencyKey}" />
        <input type="hidden" name="packId" value="${recheck.packId}" />
        <button type="submit" class="button">${text.billing.checkAgain}</button>
      </form>`,
  };
}

export function billingErrorPage(language: PageLanguage, code: string): PageContent {
  const errors = language.text.billing.errors;
  const message = errors[code as keyof typeof errors] ?? errors.invalid_request;
  return { title: message.title, body: html`<p>${message.body}</p>` };
}
