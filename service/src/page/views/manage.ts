// What a manage link opens: the appointment, and the one action its token is for.
import type { BookingView, ManagePurpose } from '../../booking/types.ts';
import { formatWhen } from '../format.ts';
import { html } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';
import { bookingSummary, manageHref } from './confirmation.ts';
import { RESCHEDULE_STEPS } from './steps.ts';

function tokenQuery(token: string): string {
  return `?token=${encodeURIComponent(token)}`;
}

export function managePage(
  language: PageLanguage,
  booking: BookingView,
  purpose: ManagePurpose,
  token: string,
  /** What a cancellation does to the deposit, or that it is kept (too late to cancel online). */
  depositNote?: string,
): PageContent {
  const { text } = language;
  const action =
    booking.status === 'cancelled'
      ? html`<p>${text.manage.statusCancelled}</p>
          <p><a class="button" href="/book/${encodeURIComponent(booking.orgSlug)}">${text.manage.bookAgain}</a></p>`
      : purpose === 'cancel' && booking.canCancel
        ? html`<p class="actions">
            <a class="button" href="/manage/cancel${tokenQuery(token)}">${text.manage.cancel}</a>
          </p>`
        : purpose === 'reschedule' && booking.canReschedule
          ? html`<p class="actions">
              <a class="button button-primary" href="/manage/reschedule${tokenQuery(token)}"
                >${text.manage.reschedule}</a
              >
            </p>`
          : html`<p>${text.manage.tooLate}</p>`;
  return {
    title: text.manage.title,
    body: html`${bookingSummary(language, booking)} ${depositNote && html`<p>${depositNote}</p>`} ${action}`,
  };
}

export function cancelConfirmPage(
  language: PageLanguage,
  booking: BookingView,
  token: string,
  /** "Your deposit of £20.00 will be given back to your card.", said before the patient confirms. */
  depositNote?: string,
): PageContent {
  const { text } = language;
  return {
    title: text.manage.cancelTitle,
    body: html`${bookingSummary(language, booking)} ${depositNote && html`<p>${depositNote}</p>`}
      <form method="post" action="/manage/cancel" data-once>
        <input type="hidden" name="token" value="${token}" />
        <div class="actions">
          <button type="submit" class="button-primary">${text.manage.cancelConfirm}</button>
          <a class="button" href="${manageHref(token)}">${text.manage.cancelKeep}</a>
        </div>
      </form>`,
  };
}

export function cancelledPage(
  language: PageLanguage,
  booking: BookingView | undefined,
  orgSlug: string | undefined,
  depositNote?: string,
): PageContent {
  const { text } = language;
  return {
    title: text.manage.cancelledTitle,
    body: html`${booking && bookingSummary(language, booking)} ${depositNote && html`<p>${depositNote}</p>`}
    ${orgSlug && html`<p><a class="button" href="/book/${encodeURIComponent(orgSlug)}">${text.manage.bookAgain}</a></p>`}`,
  };
}

export function rescheduleConfirmPage(
  language: PageLanguage,
  booking: BookingView,
  token: string,
  change: { start: string; timeZone: string; nearest?: string[]; back: string },
): PageContent {
  const { text, locale } = language;
  const nearest = change.nearest;
  return {
    title: text.manage.rescheduleConfirmTitle,
    step: { current: 3, total: RESCHEDULE_STEPS },
    body: html`${
      nearest &&
      html`<div class="error-summary" data-error-summary tabindex="-1" role="alert" aria-labelledby="slot-taken-title">
        <h2 id="slot-taken-title">${text.errors.slotTaken}</h2>
        ${
          nearest.length > 0
            ? html`<p>${text.errors.nearest}</p>
                <ul>
                  ${nearest.map(
                    (start) =>
                      html`<li>
                        <a
                          href="/manage/reschedule/confirm${tokenQuery(token)}&amp;start=${encodeURIComponent(start)}&amp;tz=${encodeURIComponent(change.timeZone)}"
                          >${formatWhen(start, change.timeZone, locale)}</a
                        >
                      </li>`,
                  )}
                </ul>`
            : html`<p>${text.errors.nearestNone}</p>`
        }
      </div>`
    }
    ${bookingSummary(language, booking)}
    ${
      !nearest &&
      html`<dl class="summary">
          <dt>${text.manage.to}</dt>
          <dd><strong>${formatWhen(change.start, change.timeZone, locale)}</strong></dd>
        </dl>
        <form method="post" action="/manage/reschedule" data-once>
          <input type="hidden" name="token" value="${token}" />
          <input type="hidden" name="start" value="${change.start}" />
          <input type="hidden" name="tz" value="${change.timeZone}" />
          <div class="actions">
            <button type="submit" class="button-primary">${text.manage.rescheduleConfirm}</button>
            <a class="button" href="${change.back}">${text.manage.rescheduleKeep}</a>
          </div>
        </form>`
    }
    ${nearest && html`<p><a class="button" href="${change.back}">${text.time.otherDay}</a></p>`}`,
  };
}
