// The booking service's refusals, in words a patient understands. Codes and statuses are the
// contract in types.ts (BOOKING_ERRORS); the page and the API show `title` and `detail` as they are.
import { HttpProblem } from '../problem.ts';
import { BOOKING_ERRORS, type BookingErrorCode, type SlotView } from './types.ts';

export function bookingProblem(code: BookingErrorCode, title: string, detail?: string): HttpProblem {
  return new HttpProblem(BOOKING_ERRORS[code], code, title, detail);
}

/**
 * The chosen time was taken by someone else (or stopped being offered): the answer carries the
 * nearest free slots, computed after the refusal, so the patient can pick again at once. The
 * error handler adds `extensions` to the problem+json body.
 */
export class SlotTakenProblem extends HttpProblem {
  readonly extensions: { nearest: SlotView[] };
  constructor(code: 'slot_taken' | 'slot_unavailable', nearest: SlotView[]) {
    super(
      BOOKING_ERRORS[code],
      code,
      code === 'slot_taken' ? 'Sorry, someone has just booked this time' : 'This time is no longer available',
      nearest.length > 0
        ? 'Please choose another time: the nearest free times are listed.'
        : 'Please choose another day: there are no free times close to this one.',
    );
    this.extensions = { nearest };
  }
}
