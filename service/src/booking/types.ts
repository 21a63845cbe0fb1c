// What the public booking API (routes/public-api.ts) and the booking page (routes/booking-page.ts)
// both call: one service, two faces. Failures are HttpProblems with stable codes (see BOOKING_ERRORS).

/** A public appointment type as the page lists it. */
export interface PublicTypeSummary {
  id: string;
  name: string;
  description: string;
  durationMinutes: number;
  price: number | null;
  deposit: number | null;
}

export interface PublicOrg {
  slug: string;
  name: string;
  brandColor: string;
  defaultTimeZone: string;
  /** What the patient agrees to by ticking SMS consent (Consent_Text__c); empty when the org set none. */
  consentText: string;
  /** Stored on the appointment with the consent (Consent_Text_Version__c). */
  consentTextVersion: string;
  types: PublicTypeSummary[];
}

export interface SlotView {
  /** The instant, ISO 8601 UTC ('2026-11-23T09:30:00.000Z'): what a booking sends back. */
  start: string;
  end: string;
  /** Wall-clock start in the asked time zone, 'HH:MM'. */
  time: string;
  seatsLeft: number;
}

export interface DaySlots {
  /** 'YYYY-MM-DD' in the asked time zone. */
  date: string;
  slots: SlotView[];
}

export interface SlotsQuery {
  /** 'YYYY-MM-DD' (inclusive) in timeZone. */
  from: string;
  /** 'YYYY-MM-DD' (inclusive) in timeZone; at most 31 days after from. */
  to: string;
  timeZone: string;
}

export interface SlotsResult {
  typeId: string;
  timeZone: string;
  from: string;
  to: string;
  days: DaySlots[];
}

export interface BookingInput {
  typeId: string;
  /** A slot's `start`. */
  start: string;
  /** A resource id, or absent for "any available". */
  resourceId?: string;
  timeZone: string;
  name: string;
  phone: string;
  email?: string;
  smsConsent: boolean;
  /** BCP 47, e.g. 'en-GB': the phone number's default country comes from its region. */
  locale: string;
  /** Chosen by the client; the same key returns the same booking instead of booking twice. */
  idempotencyKey: string;
}

export interface BookingView {
  /** The booking key (Booking_Key__c): stable across reschedules. */
  bookingKey: string;
  status: 'confirmed' | 'cancelled';
  orgName: string;
  orgSlug: string;
  type: { id: string; name: string; durationMinutes: number };
  resourceName: string;
  start: string;
  end: string;
  /** The time zone the patient booked in. */
  timeZone: string;
  /** Cancel and reschedule are possible until this instant. */
  changeableUntil: string;
  canCancel: boolean;
  canReschedule: boolean;
}

/** Manage links: each scoped to one booking and one purpose, expiring. */
export interface ManageLinks {
  cancelToken: string;
  rescheduleToken: string;
}

export interface BookingResult {
  booking: BookingView;
  links: ManageLinks;
  /** True when this idempotency key had already booked: nothing new was booked. */
  replayed: boolean;
}

export type ManagePurpose = 'cancel' | 'reschedule';

/**
 * Error codes the booking service throws as HttpProblem. `slot_taken` carries the nearest free
 * slots (HttpProblem subclass SlotTakenProblem in booking/errors.ts).
 */
export const BOOKING_ERRORS = {
  unknown_page: 404,
  unknown_type: 404,
  invalid_range: 400,
  outside_horizon: 400,
  invalid_time_zone: 400,
  invalid_phone: 400,
  invalid_details: 400,
  slot_unavailable: 409,
  slot_taken: 409,
  org_unavailable: 503,
  org_rejected: 502,
  invalid_token: 403,
  expired_token: 410,
  already_cancelled: 409,
  past_cutoff: 409,
  idempotency_in_progress: 409,
} as const;

export type BookingErrorCode = keyof typeof BOOKING_ERRORS;

export interface BookingService {
  org(slug: string): Promise<PublicOrg>;
  slots(slug: string, typeId: string, query: SlotsQuery): Promise<SlotsResult>;
  book(slug: string, input: BookingInput): Promise<BookingResult>;
  /** The booking a manage token points at (either purpose may read it). */
  get(token: string): Promise<{ booking: BookingView; purpose: ManagePurpose }>;
  cancel(token: string): Promise<BookingView>;
  reschedule(token: string, change: { start: string; resourceId?: string }): Promise<BookingResult>;
}

/** The org API's listSlots query (docs/org-api.yaml): the org comes from the API key. */
export interface StaffSlotsQuery {
  typeId: string;
  /** One resource, or absent for any resource offering the type. */
  resourceId?: string;
  /** 'YYYY-MM-DD' (inclusive) in timeZone. */
  from: string;
  /** 'YYYY-MM-DD' (inclusive) in timeZone; at most 62 days after from. */
  to: string;
  timeZone: string;
}

/** A free start on one resource (org API Slot): a slot free on two resources is listed twice. */
export interface StaffSlot {
  start: string;
  end: string;
  resourceId: string;
}

/** The org API's BookingRequest: staff booking for a caller, from Salesforce. */
export interface StaffBookingInput {
  typeId: string;
  resourceId?: string;
  start: string;
  patient: { name: string; phone?: string; email?: string };
  smsConsent: boolean;
  /** The caller's Contact or Lead, when staff picked one: linked as given, no matching. */
  contactId?: string;
  leadId?: string;
  idempotencyKey: string;
}

/** The org API's Booking. */
export interface StaffBooking {
  bookingKey: string;
  appointmentId: string;
  start: string;
  end: string;
  resourceId: string;
  /** The appointment's Status__c. */
  status: 'Scheduled' | 'Cancelled';
}

/** What the org API (org/booking-routes.ts) calls: the same booking flow, for staff of a known org. */
export interface StaffBookingService {
  /** Free slots of any active type of the org, public or not. */
  staffSlots(orgId: string, query: StaffSlotsQuery): Promise<StaffSlot[]>;
  /** `replayed`: this idempotency key had booked before, nothing new was booked. */
  staffBook(orgId: string, input: StaffBookingInput): Promise<{ booking: StaffBooking; replayed: boolean }>;
}
