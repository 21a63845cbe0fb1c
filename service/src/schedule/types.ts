// An org's booking configuration as the service uses it: read from the org through the gateway,
// cached per org, and refreshed when sync reports a configuration change.
import type { AppointmentTypeRules, BusyInterval, EpochMs, ResourceAvailability } from '../availability/types.ts';

/** How a booking finds its patient record (Slotwise_Booking_Page__c.Contact_Matching__c). */
export type ContactMatching = 'match-or-create-contact' | 'match-or-create-lead' | 'match-only';

export type DepositCapture = 'at_booking' | 'authorize';

/** The org's public booking page (the Slotwise_Booking_Page__c singleton). */
export interface BookingPageSettings {
  orgId: string;
  /** Public_Slug__c: the page's address, /book/<slug>. Lower case. */
  slug: string;
  /** The clinic's name as patients see it (the org's name). */
  name: string;
  /** '#RRGGBB'. */
  brandColor: string;
  /** IANA zone shown until the patient picks another. */
  defaultTimeZone: string;
  /** Cancel and reschedule close this many hours before the appointment. */
  cancellationCutoffHours: number;
  contactMatching: ContactMatching;
  consentText: string;
  consentTextVersion: string;
}

/** A bookable appointment type with what the page shows of it. */
export interface PublicAppointmentType extends AppointmentTypeRules {
  name: string;
  slug: string;
  description: string;
  /** In the org's currency; null when free. */
  price: number | null;
  deposit: number | null;
  /**
   * Deposit_Capture__c: 'at_booking' charges the deposit when the patient books; 'authorize' only
   * reserves it then and captures it at the cancellation cutoff (deposits/). Absent: at booking.
   */
  depositCapture?: DepositCapture;
  /** Active resources that serve this type (Slotwise_Resource_Type__c). */
  resourceIds: string[];
}

export interface ScheduleResource extends ResourceAvailability {
  name: string;
}

export interface OrgSchedule {
  orgId: string;
  page: BookingPageSettings;
  /** Active, public types only. */
  types: PublicAppointmentType[];
  /** Active types that are not public: staff book them through the org API, the page never shows them. */
  staffOnlyTypes: PublicAppointmentType[];
  resources: Map<string, ScheduleResource>;
}

/** Where booking reads an org's configuration and its appointments' busy time. */
export interface ScheduleSource {
  /** The connected org whose booking page has this slug, or null. */
  orgIdForSlug(slug: string): Promise<string | null>;
  /** The org's configuration: from the cache when warm (no Salesforce call). */
  schedule(orgId: string): Promise<OrgSchedule>;
  /**
   * Busy time of these resources between from and to, from the org's appointments as sync last saw
   * them (no Salesforce call), widened by each appointment's type buffers. Not cancelled, not deleted.
   * `excludeBookingKeys` leaves out appointments a caller accounts for itself (its own holds).
   */
  appointmentBusy(
    orgId: string,
    resourceIds: readonly string[],
    from: EpochMs,
    to: EpochMs,
  ): Promise<(BusyInterval & { bookingKey: string | null })[]>;
  /** Drops the cached configuration (sync's config_changed does this). */
  invalidate(orgId: string): void;
}
