// Step 4: the patient's details. Errors are listed in a summary at the top (focused, so screen
// readers announce it) and beside each field (linked by aria-describedby); values are kept.
import { formatWhen } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';
import { BOOKING_STEPS } from './steps.ts';

export interface DetailsValues {
  name: string;
  phone: string;
  email: string;
  smsConsent: boolean;
}

export type DetailsField = 'name' | 'phone' | 'email' | 'start';
export type FieldErrors = Partial<Record<DetailsField, string>>;

export interface DetailsState {
  action: string;
  typeName: string;
  /** The chosen start; absent when it was just taken and the patient must pick one of `nearest`. */
  start: string | undefined;
  timeZone: string;
  idempotencyKey: string;
  consentText: string;
  values: DetailsValues;
  errors: FieldErrors;
  /** Set when the chosen time was just taken: the nearest free starts to pick from. */
  nearest?: string[];
  /** Where "Choose another time" leads. */
  changeTime: string;
  /** The type's deposit ('£20.00'), paid on the next step; absent when it has none. */
  deposit?: string;
}

export const EMPTY_DETAILS: DetailsValues = { name: '', phone: '', email: '', smsConsent: false };

export function detailsPage(language: PageLanguage, state: DetailsState): PageContent {
  const { text, locale } = language;
  const errors = Object.entries(state.errors) as [DetailsField, string][];
  return {
    title: text.details.title,
    step: { current: 4, total: BOOKING_STEPS },
    body: html`${errors.length > 0 ? errorSummary(language, errors) : state.nearest && slotTakenNotice(language, state.nearest.length > 0)}
      <h2>${text.details.chosen}</h2>
      <p dir="auto">${state.typeName}</p>
      ${state.start && html`<p><strong>${formatWhen(state.start, state.timeZone, locale)}</strong></p>`}
      <p><a href="${state.changeTime}">${text.details.changeTime}</a></p>
      ${state.deposit && html`<p>${text.deposit.detailsNotice(state.deposit)}</p>`}
      ${state.nearest?.length !== 0 && detailsForm()}`,
  };

  function detailsForm(): SafeHtml {
    return html`<form method="post" action="${state.action}" novalidate data-once>
      <input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}" />
      <input type="hidden" name="tz" value="${state.timeZone}" />
      ${state.nearest ? nearestChoices(language, state) : html`<input type="hidden" name="start" value="${state.start}" />`}
      ${textField('name', text.details.name, state.values.name, state.errors.name, {
        hint: text.details.nameHint,
        type: 'text',
        autocomplete: 'name',
      })}
      ${textField('phone', text.details.phone, state.values.phone, state.errors.phone, {
        hint: text.details.phoneHint,
        type: 'tel',
        autocomplete: 'tel',
      })}
      ${textField('email', text.details.email, state.values.email, state.errors.email, {
        type: 'email',
        autocomplete: 'email',
      })}
      <fieldset>
        <legend>${text.details.consentLegend}</legend>
        <div class="check">
          <input
            type="checkbox"
            id="smsConsent"
            name="smsConsent"
            value="yes"
            ${state.values.smsConsent ? html` checked` : ''}
          />
          <label for="smsConsent" dir="auto">${state.consentText}</label>
        </div>
      </fieldset>
      <button type="submit" class="button-primary">
        ${state.deposit ? text.deposit.continue : text.details.submit}
      </button>
    </form>`;
  }

  function nearestChoices({ text }: PageLanguage, state: DetailsState): SafeHtml | false {
    const nearest = state.nearest ?? [];
    if (nearest.length === 0) return false;
    const describedBy = state.errors.start ? html` aria-describedby="start-error"` : '';
    return html`<fieldset id="start" ${describedBy}>
      <legend>${text.errors.chooseNearestLegend}</legend>
      ${state.errors.start && html`<span class="error-message" id="start-error">${state.errors.start}</span>`}
      <div class="radio-times">
        ${nearest.map(
          (start, index) =>
            html`<label for="start-${index}"
                ><input
                  type="radio"
                  id="start-${index}"
                  name="start"
                  value="${start}"
                />${formatWhen(start, state.timeZone, locale)}</label
              >
              <input type="hidden" name="offered" value="${start}" />`,
        )}
      </div>
    </fieldset>`;
  }
}

function errorSummary({ text }: PageLanguage, errors: [DetailsField, string][]): SafeHtml {
  return html`<div
    class="error-summary"
    data-error-summary
    tabindex="-1"
    role="alert"
    aria-labelledby="error-summary-title"
  >
    <h2 id="error-summary-title">${text.errors.summaryTitle}</h2>
    <ul>
      ${errors.map(([field, message]) => html`<li><a href="#${field === 'start' ? 'start-0' : field}">${message}</a></li>`)}
    </ul>
  </div>`;
}

function slotTakenNotice({ text }: PageLanguage, anyNearest: boolean): SafeHtml {
  return html`<div
    class="error-summary"
    data-error-summary
    tabindex="-1"
    role="alert"
    aria-labelledby="slot-taken-title"
  >
    <h2 id="slot-taken-title">${text.errors.slotTaken}</h2>
    <p>${anyNearest ? html`${text.errors.nearest} ${text.errors.chooseNearest}` : text.errors.nearestNone}</p>
    ${anyNearest && html`<p><a href="#start-0">${text.errors.pickATime}</a></p>`}
  </div>`;
}

function textField(
  name: 'name' | 'phone' | 'email',
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
      ${
        describedBy ? html` aria-describedby="${describedBy}"` : ''
      }${error ? html` aria-invalid="true"` : ''}${name === 'email' ? '' : html` required`}
      spellcheck="false"
    />
  </div>`;
}
