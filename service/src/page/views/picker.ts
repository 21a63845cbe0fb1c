// Choosing a day, then a time: plain links, so it works with no script and with the keyboard alone.
// The same views serve booking (steps 2 and 3) and rescheduling (steps 1 and 2).
import type { DaySlots, SlotView } from '../../booking/types.ts';
import { addDays, formatDay, formatTime } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContent } from '../layout.ts';
import type { PageLanguage } from '../text/index.ts';
import { timeZoneChoices } from '../time-zones.ts';

export const WEEK_DAYS = 7;

export interface PickerNavigation {
  /** This page's address with other parameters (tz is added by the caller when the patient chose one). */
  here(params: { week?: string; date?: string }): string;
  /** Where choosing a slot leads. */
  choose(slot: SlotView): string;
  /** Where a fully booked day's waitlist form is: undefined for a day without one (no working time, no SMS). */
  waitlist?(date: string): string | undefined;
  /** The time zone form's action and hidden fields (the form is a GET to this page). */
  formAction: string;
  hidden: Record<string, string>;
  back: { href: string; label: string };
}

export interface PickerState {
  title: string;
  step: { current: number; total: number };
  /** The appointment type's name, shown under the heading. */
  typeName: string;
  timeZone: string;
  /** The patient picked the zone (it is in the address): the script then offers no other. */
  timeZoneChosen: boolean;
  navigation: PickerNavigation;
}

export function dayPage(
  language: PageLanguage,
  state: PickerState,
  week: { from: string; today: string; days: DaySlots[] },
): PageContent {
  const { text, locale } = language;
  const byDate = new Map(week.days.map((day) => [day.date, day.slots]));
  const dates = Array.from({ length: WEEK_DAYS }, (_, index) => addDays(week.from, index));
  const items = dates.map((date) => {
    const count = byDate.get(date)?.length ?? 0;
    const label = formatDay(date, locale);
    return count > 0
      ? html`<li>
          <a class="choice" href="${state.navigation.here({ week: week.from, date })}"
            ><span>${label}</span><span>${text.day.times(count)}</span></a
          >
        </li>`
      : html`<li>
          <span class="day-full"><span>${label}</span><span>${text.day.full}</span></span>
          ${waitlistLink(language, state, date)}
        </li>`;
  });
  const anyFree = dates.some((date) => (byDate.get(date)?.length ?? 0) > 0);
  const previous = addDays(week.from, -WEEK_DAYS) < week.today ? week.today : addDays(week.from, -WEEK_DAYS);
  const last = dates[dates.length - 1]!;
  return {
    title: state.title,
    step: state.step,
    body: html`${timeZoneOffer(language, state)}
      <p class="meta" dir="auto">${state.typeName}</p>
      <h2>${text.day.weekOf(formatDay(week.from, locale), formatDay(last, locale))}</h2>
      <p>${text.timeZone.shownIn(state.timeZone)}</p>
      ${!anyFree && html`<p>${text.day.noneThisWeek}</p>`}
      <ul class="plain days">
        ${items}
      </ul>
      <nav class="week-nav" aria-label="${text.day.weekOf(formatDay(week.from, locale), formatDay(last, locale))}">
        ${week.from > week.today ? html`<a class="button" href="${state.navigation.here({ week: previous })}">${text.day.previousWeek}</a>` : html`<span></span>`}
        <a class="button" href="${state.navigation.here({ week: addDays(week.from, WEEK_DAYS) })}"
          >${text.day.nextWeek}</a
        >
      </nav>
      ${timeZoneForm(language, state, { week: week.from })}
      <p><a href="${state.navigation.back.href}">${state.navigation.back.label}</a></p>`,
  };
}

export function timePage(language: PageLanguage, state: PickerState, week: string, day: DaySlots): PageContent {
  const { text, locale } = language;
  const showSeats = day.slots.some((slot) => slot.seatsLeft > 1);
  const times = day.slots.map(
    (slot) =>
      html`<li>
        <a class="choice" href="${state.navigation.choose(slot)}"
          >${formatTime(slot.start, state.timeZone, locale)}${
            showSeats && html`<span class="seats">${text.time.seatsLeft(slot.seatsLeft)}</span>`
          }</a
        >
      </li>`,
  );
  return {
    title: state.title,
    step: state.step,
    body: html`${timeZoneOffer(language, state)}
      <p class="meta" dir="auto">${state.typeName}</p>
      <h2>${formatDay(day.date, locale, true)}</h2>
      <p>${text.timeZone.shownIn(state.timeZone)}</p>
      ${
        times.length > 0
          ? html`<ul class="plain times">
              ${times}
            </ul>`
          : html`<p>${text.time.none}</p>
              ${waitlistLink(language, state, day.date)}`
      }
      <p class="actions"><a class="button" href="${state.navigation.here({ week })}">${text.time.otherDay}</a></p>
      ${timeZoneForm(language, state, { week, date: day.date })}`,
  };
}

/** The quiet link from a fully booked day to its waitlist, when it has one. */
function waitlistLink({ text, locale }: PageLanguage, state: PickerState, date: string): SafeHtml | false {
  const href = state.navigation.waitlist?.(date);
  return (
    href !== undefined &&
    html`<p class="waitlist-link"><a href="${href}">${text.waitlist.joinFor(formatDay(date, locale))}</a></p>`
  );
}

function timeZoneForm({ text }: PageLanguage, state: PickerState, params: { week: string; date?: string }): SafeHtml {
  const hidden = { ...state.navigation.hidden, ...params };
  const options = timeZoneChoices(state.timeZone).map(
    (zone) => html`<option${zone === state.timeZone ? html` selected` : ''}>${zone}</option>`,
  );
  return html`<form class="tz-form" method="get" action="${state.navigation.formAction}">
    ${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
    <label for="tz">${text.timeZone.label}</label>
    <select id="tz" name="tz" autocomplete="off">
      ${options}
    </select>
    <button type="submit">${text.timeZone.change}</button>
  </form>`;
}

/** Filled in and shown by the script when the device's zone differs and the patient chose none. */
function timeZoneOffer({ text }: PageLanguage, state: PickerState): SafeHtml | false {
  return (
    !state.timeZoneChosen &&
    html`<div class="notice" data-tz-offer data-current="${state.timeZone}" hidden>
      <p>
        <span data-tz-message data-template="${text.timeZone.deviceOffer}"></span>
        <a data-tz-link data-template="${text.timeZone.deviceSwitch}" href="#main"></a>
      </p>
    </div>`
  );
}
