// Step 1: the clinic's appointment types.
import type { PublicOrg } from '../../booking/types.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageLanguage } from '../text/index.ts';
import type { PageContent } from '../layout.ts';
import { BOOKING_STEPS } from './steps.ts';

export function servicesPage({ text, locale }: PageLanguage, org: PublicOrg, tz: string | undefined): PageContent {
  const money = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const query = tz ? `?tz=${encodeURIComponent(tz)}` : '';
  const cards: SafeHtml[] = org.types.map(
    (type) =>
      html`<li class="card">
        <h2 id="type-${type.id}" dir="auto">${type.name}</h2>
        ${type.description && html`<p dir="auto">${type.description}</p>`}
        <p class="meta">
          ${text.services.minutes(type.durationMinutes)}${
            type.price !== null && html` · ${text.services.price(money.format(type.price))}`
          }${type.deposit !== null && html` · ${text.services.deposit(money.format(type.deposit))}`}
        </p>
        <a
          class="button button-primary"
          id="choose-${type.id}"
          aria-labelledby="choose-${type.id} type-${type.id}"
          href="/book/${encodeURIComponent(org.slug)}/${encodeURIComponent(type.id)}${query}"
          >${text.services.choose}</a
        >
      </li>`,
  );
  return {
    title: text.services.title,
    step: { current: 1, total: BOOKING_STEPS },
    body: html`<p>${text.services.intro}</p>
      ${
        cards.length > 0
          ? html`<ul class="plain">
              ${cards}
            </ul>`
          : html`<p>${text.services.none}</p>`
      }`,
  };
}
