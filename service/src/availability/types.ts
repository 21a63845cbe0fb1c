// The availability engine's inputs and outputs. Everything here is plain data: the engine is a pure
// function of it (no I/O, no clock: `now` is an input), so it is fast and easy to test.

/** An instant as milliseconds since the Unix epoch (UTC). */
export type EpochMs = number;

/** The booking rules of one appointment type (Slotwise_Appointment_Type__c). */
export interface AppointmentTypeRules {
  id: string;
  durationMinutes: number;
  /** Preparation time the resource needs before the appointment. */
  bufferBeforeMinutes: number;
  /** Clean-up time the resource needs after it. */
  bufferAfterMinutes: number;
  /** Spacing of start times within an open window, from the window's start. */
  slotIntervalMinutes: number;
  /** A slot must start at least this long after `now`. */
  minimumNoticeMinutes: number;
  /** A slot must start before `now` plus this many days. */
  horizonDays: number;
  /** Seats per slot: 1 for one patient at a time, more for classes and groups. */
  capacity: number;
}

/** ISO weekday: Monday = 1 … Sunday = 7 (Temporal's `dayOfWeek`). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Weekly working hours (Slotwise_Availability_Rule__c), as wall-clock times in the resource's zone. */
export interface WeeklyRule {
  weekday: IsoWeekday;
  /** 'HH:MM'. */
  startTime: string;
  /** 'HH:MM', after startTime; '24:00' for midnight at the end of the day. */
  endTime: string;
  /** 'YYYY-MM-DD', inclusive, a date in the resource's zone. */
  effectiveFrom?: string;
  /** 'YYYY-MM-DD', inclusive. */
  effectiveTo?: string;
}

/** A one-off change to the weekly hours (Slotwise_Availability_Exception__c). */
export interface AvailabilityException {
  /** 'closed' removes time from the weekly hours; 'extra' adds open time. */
  kind: 'closed' | 'extra';
  start: EpochMs;
  end: EpochMs;
}

/** A person, room or piece of equipment that appointments are booked with. */
export interface ResourceAvailability {
  id: string;
  /** IANA zone the rules are written in, e.g. 'Europe/London'. */
  timeZone: string;
  rules: WeeklyRule[];
  exceptions: AvailabilityException[];
}

/**
 * Time a resource is taken by an appointment or a hold, already widened by that booking's own
 * buffers. A new slot is free when its own buffered interval overlaps none of these, except the
 * intervals of its own session (same type, same start) while seats are left.
 */
export interface BusyInterval {
  resourceId: string;
  start: EpochMs;
  end: EpochMs;
  /** For seated types: the session this interval belongs to, and how many seats it takes. */
  session?: { typeId: string; start: EpochMs; seats: number };
}

export interface SlotRequest {
  type: AppointmentTypeRules;
  /** The resources that can serve this type. */
  resources: ResourceAvailability[];
  busy: BusyInterval[];
  /** Slot starts asked for: from (inclusive) to (exclusive). */
  from: EpochMs;
  to: EpochMs;
  now: EpochMs;
}

/** A bookable start time. */
export interface Slot {
  start: EpochMs;
  end: EpochMs;
  /** Resources that can take this slot. */
  resourceIds: string[];
  /** The most seats left on any of those resources (1 for capacity-1 types). */
  seatsLeft: number;
}
