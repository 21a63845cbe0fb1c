// Step 5, and the manage pages: the appointment in the patient's zone, with its abbreviation.
import type { BookingView } from '../../booking/types.ts';
import { formatWhen } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';
import { BOOKING_STEPS } from './steps.ts';

export function manageHref(token: string): string {
  return `/manage?token=${encodeURIComponent(token)}`;
}

export function bookingSummary({ text, locale }: PageLanguage, booking: BookingView): SafeHtml {
  return html`<dl class="summary">
    <dt>${text.confirmation.service}</dt>
    <dd dir="auto">${booking.type.name}</dd>
    <dt>${text.confirmation.when}</dt>
    <dd>${formatWhen(booking.start, booking.timeZone, locale)}</dd>
    <dt>${text.confirmation.with}</dt>
    <dd dir="auto">${booking.resourceName}</dd>
    <dt>${text.confirmation.where}</dt>
    <dd dir="auto">${booking.orgName}</dd>
  </dl>`;
}

export function confirmationPage(
  language: PageLanguage,
  booking: BookingView,
  links: { cancelToken: string; rescheduleToken: string },
  moved: boolean,
  /** What was paid up front ("Deposit paid: £20.00."), when the type asked for a deposit. */
  depositNote?: string,
): PageContent {
  const { text, locale } = language;
  const changeable = booking.canCancel || booking.canReschedule;
  return {
    title: moved ? text.confirmation.moved : text.confirmation.booked,
    ...(moved ? {} : { step: { current: BOOKING_STEPS, total: BOOKING_STEPS } }),
    body: html`<p role="status">${text.confirmation.sent}</p>
      ${bookingSummary(language, booking)} ${depositNote && html`<p>${depositNote}</p>`}
      <h2>${text.confirmation.manageTitle}</h2>
      ${
        changeable
          ? html`<p>
                ${text.confirmation.changeableUntil(formatWhen(booking.changeableUntil, booking.timeZone, locale))}
              </p>
              <p>${text.confirmation.keepLinks}</p>
              <ul class="plain actions">
                ${booking.canReschedule && html`<li><a class="button" href="${manageHref(links.rescheduleToken)}">${text.confirmation.reschedule}</a></li>`}
                ${booking.canCancel && html`<li><a class="button" href="${manageHref(links.cancelToken)}">${text.confirmation.cancel}</a></li>`}
              </ul>`
          : html`<p>${text.manage.tooLate}</p>`
      }`,
  };
}
