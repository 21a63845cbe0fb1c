// The waitlist's pages: joining for a full day (name, mobile, consent: errors in a summary at the
// top and beside each field, linked by aria-describedby, as the details form), the confirmation of
// joining, and the offer a text links to (the held time, book it or pass it on).
import type { OfferView } from '../../waitlist/service.ts';
import { formatDay, formatTime, formatWhen } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';

export interface JoinValues {
  name: string;
  phone: string;
  smsConsent: boolean;
}

export type JoinField = 'name' | 'phone' | 'smsConsent';
export type JoinErrors = Partial<Record<JoinField, string>>;

export interface JoinState {
  action: string;
  typeName: string;
  /** 'YYYY-MM-DD' in timeZone. */
  date: string;
  timeZone: string;
  consentText: string;
  values: JoinValues;
  errors: JoinErrors;
  /** A refusal of the whole request (free times that day, the per-number limit): shown at the top. */
  refusal?: { title: string; body: string };
  /** The day's times (the picker), where "Choose another day" leads. */
  back: string;
}

export const EMPTY_JOIN: JoinValues = { name: '', phone: '', smsConsent: false };

export function joinPage(language: PageLanguage, state: JoinState): PageContent {
  const { text, locale } = language;
  const errors = Object.entries(state.errors) as [JoinField, string][];
  return {
    title: text.waitlist.title,
    body: html`${errors.length > 0 ? errorSummary(language, errors) : state.refusal && refusalNotice(state.refusal)}
      <p class="meta" dir="auto">${state.typeName}</p>
      <h2>${formatDay(state.date, locale, true)}</h2>
      <p>${text.waitlist.intro(formatDay(state.date, locale))}</p>
      <form method="post" action="${state.action}" novalidate data-once>
        <input type="hidden" name="date" value="${state.date}" />
        <input type="hidden" name="tz" value="${state.timeZone}" />
        ${textField('name', text.waitlist.name, state.values.name, state.errors.name, { type: 'text', autocomplete: 'name' })}
        ${textField('phone', text.waitlist.phone, state.values.phone, state.errors.phone, {
          hint: text.waitlist.phoneHint,
          type: 'tel',
          autocomplete: 'tel',
        })}
        ${consentField(language, state)}
        <button type="submit" class="button-primary">${text.waitlist.submit}</button>
      </form>
      <p><a href="${state.back}">${text.waitlist.otherDay}</a></p>`,
  };
}

export function joinedPage(
  { text, locale }: PageLanguage,
  joined: { typeName: string; date: string; position: number; replayed: boolean; bookingPage: string },
): PageContent {
  const day = formatDay(joined.date, locale);
  return {
    title: text.waitlist.joinedTitle,
    body: html`<p role="status">${joined.replayed ? text.waitlist.joinedBefore : text.waitlist.joined(day)}</p>
      <p class="meta" dir="auto">${joined.typeName}</p>
      <p>${text.waitlist.position(joined.position)}</p>
      <p><a class="button" href="${joined.bookingPage}">${text.waitlist.bookAnother}</a></p>`,
  };
}

export function offerPage(
  { text, locale }: PageLanguage,
  offer: OfferView,
  forms: { confirm: string; decline: string; token: string },
): PageContent {
  return {
    title: text.waitlist.offerTitle,
    body: html`<dl class="summary">
        <dt>${text.confirmation.service}</dt>
        <dd dir="auto">${offer.typeName}</dd>
        <dt>${text.confirmation.when}</dt>
        <dd>${formatWhen(offer.start, offer.timeZone, locale)}</dd>
        <dt>${text.confirmation.with}</dt>
        <dd dir="auto">${offer.resourceName}</dd>
        <dt>${text.confirmation.where}</dt>
        <dd dir="auto">${offer.orgName}</dd>
      </dl>
      <p>${text.waitlist.heldUntil(formatTime(offer.expiresAt, offer.timeZone, locale))}</p>
      <p>${text.timeZone.shownIn(offer.timeZone)}</p>
      <form method="post" action="${forms.confirm}" data-once>
        <input type="hidden" name="token" value="${forms.token}" />
        <button type="submit" class="button-primary">${text.waitlist.confirm}</button>
      </form>
      <form method="post" action="${forms.decline}" data-once>
        <input type="hidden" name="token" value="${forms.token}" />
        <button type="submit">${text.waitlist.decline}</button>
      </form>`,
  };
}

export function declinedPage({ text }: PageLanguage, bookingPage: string): PageContent {
  return {
    title: text.waitlist.declinedTitle,
    body: html`<p role="status">${text.waitlist.declined}</p>
      <p><a class="button" href="${bookingPage}">${text.waitlist.bookAnother}</a></p>`,
  };
}

function errorSummary({ text }: PageLanguage, errors: [JoinField, string][]): SafeHtml {
  return html`<div
    class="error-summary"
    data-error-summary
    tabindex="-1"
    role="alert"
    aria-labelledby="error-summary-title"
  >
    <h2 id="error-summary-title">${text.errors.summaryTitle}</h2>
    <ul>
      ${errors.map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}
    </ul>
  </div>`;
}

function refusalNotice(refusal: { title: string; body: string }): SafeHtml {
  return html`<div class="error-summary" data-error-summary tabindex="-1" role="alert" aria-labelledby="refusal-title">
    <h2 id="refusal-title">${refusal.title}</h2>
    <p>${refusal.body}</p>
  </div>`;
}

function textField(
  name: 'name' | 'phone',
  label: string,
  value: string,
  error: string | undefined,
  options: { hint?: string; type: string; autocomplete: string },
): SafeHtml {
  const describedBy = [options.hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
    <label for="${name}">${label}</label>
    ${options.hint && html`<span class="hint" id="${name}-hint">${options.hint}</span>`}
    ${error && html`<span class="error-message" id="${name}-error">${error}</span>`}
    <input
      type="${options.type}"
      id="${name}"
      name="${name}"
      value="${value}"
      dir="auto"
      autocomplete="${options.autocomplete}"
      ${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}
      required
      spellcheck="false"
    />
  </div>`;
}

function consentField({ text }: PageLanguage, state: JoinState): SafeHtml {
  const error = state.errors.smsConsent;
  return html`<fieldset>
    <legend>${text.waitlist.consentLegend}</legend>
    ${error && html`<span class="error-message" id="smsConsent-error">${error}</span>`}
    <div class="check">
      <input
        type="checkbox"
        id="smsConsent"
        name="smsConsent"
        value="yes"
        required
        ${state.values.smsConsent ? html` checked` : ''}${
          error ? html` aria-describedby="smsConsent-error" aria-invalid="true"` : ''
        }
      />
      <label for="smsConsent" dir="auto">${state.consentText}</label>
    </div>
  </fieldset>`;
}
