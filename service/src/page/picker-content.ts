// The day or time step, from the booking service's free slots.
import type { BookingService } from '../booking/types.ts';
import { addDays } from './format.ts';
import type { PageContent } from './layout.ts';
import type { PageLanguage } from './text/index.ts';
import { dayPage, timePage, WEEK_DAYS, type PickerState } from './views/picker.ts';

export interface PickerRequest {
  slug: string;
  typeId: string;
  /** The first day of the week shown ('YYYY-MM-DD', not before today). */
  week: string;
  /** The chosen day, when the patient picked one: its times are shown. */
  date: string | undefined;
  today: string;
}

export async function pickerContent(
  booking: BookingService,
  language: PageLanguage,
  state: PickerState,
  asked: PickerRequest,
): Promise<PageContent> {
  const { slug, typeId, week, date, today } = asked;
  if (date) {
    const result = await booking.slots(slug, typeId, { from: date, to: date, timeZone: state.timeZone });
    const day = result.days.find((candidate) => candidate.date === date) ?? { date, slots: [] };
    return timePage(language, state, week, day);
  }
  const to = addDays(week, WEEK_DAYS - 1);
  const result = await booking.slots(slug, typeId, { from: week, to, timeZone: state.timeZone });
  return dayPage(language, state, { from: week, today, days: result.days });
}
