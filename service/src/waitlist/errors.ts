// The waitlist's refusals, in words a patient understands, with stable codes (the booking's own
// codes, booking/types.ts BOOKING_ERRORS, are used where they mean the same thing).
import { HttpProblem } from '../problem.ts';

export const WAITLIST_ERRORS = {
  /** A text offer needs the patient's agreement to texts. */
  consent_required: 400,
  /** The clinic has no times for this type on that day at all: no slot can ever free. */
  no_times_that_day: 409,
  /** The day has free times: book one instead. */
  free_times: 409,
  /** The type is booked with a deposit, which a one-click offer would skip. */
  deposit_type: 409,
  /** The number already waits for as many days as one number may. */
  waitlist_limit: 429,
  /** The offer ran out (or was declined, or passed on): the slot may have gone to the next person. */
  offer_expired: 410,
  /** The clinic's own calendar has the time now: the patient stays on the waitlist. */
  offer_taken: 409,
  /** A confirmation of this offer is under way (a second click). */
  offer_in_progress: 409,
} as const;

export type WaitlistErrorCode = keyof typeof WAITLIST_ERRORS;

export function waitlistProblem(code: WaitlistErrorCode, title: string, detail?: string): HttpProblem {
  return new HttpProblem(WAITLIST_ERRORS[code], code, title, detail);
}
