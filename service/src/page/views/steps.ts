/** Service, day, time, details, confirmation. */
export const BOOKING_STEPS = 5;
/** Day, time, confirm. */
export const RESCHEDULE_STEPS = 3;
