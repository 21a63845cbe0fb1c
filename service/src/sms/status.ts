// Twilio message statuses and the one rule for applying them: a status only ever moves a message
// forward. Twilio sends status callbacks without ordering guarantees (and retries them), so
// "delivered" can arrive before "sent"; applying callbacks as they come would move messages back.
//
// Twilio's lifecycle of an outbound message (docs: "Outbound Message Status in Status Callbacks"):
//   scheduled (Messaging Service, send later) → accepted (Messaging Service) → queued → sending →
//   sent → delivered (→ read, on channels with read receipts) | undelivered;
//   failed when it never left Twilio; canceled when a scheduled message is cancelled.
// Inbound messages are receiving → received and are never status-called back.

/** Every status Twilio reports for a Message resource. */
export const TWILIO_STATUSES = [
  'scheduled',
  'accepted',
  'queued',
  'sending',
  'sent',
  'canceled',
  'failed',
  'undelivered',
  'partially_delivered',
  'delivered',
  'read',
  'receiving',
  'received',
] as const;

export type TwilioStatus = (typeof TWILIO_STATUSES)[number];

/**
 * A total order, so that any set of callbacks settles on one status whatever order they arrive in
 * (the greatest). The progress steps are in lifecycle order. Between end states that should not both
 * occur but can (a carrier reports "undelivered" and later a delivery receipt), the one with more
 * evidence of delivery wins: a delivery receipt is proof, a failure report may be premature. `read`
 * follows `delivered`. Inbound statuses rank with their own lifecycle and never meet outbound ones.
 */
const RANK: Readonly<Record<TwilioStatus, number>> = {
  scheduled: 0,
  accepted: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  canceled: 5,
  failed: 6,
  undelivered: 7,
  partially_delivered: 8,
  delivered: 9,
  read: 10,
  receiving: 0,
  received: 1,
};

const END_STATES: ReadonlySet<TwilioStatus> = new Set([
  'canceled',
  'failed',
  'undelivered',
  'partially_delivered',
  'delivered',
  'read',
  'received',
]);

export function isTwilioStatus(value: string): value is TwilioStatus {
  return Object.hasOwn(RANK, value);
}

/** True once the message will not progress further (except a late receipt moving it on). */
export function isEndState(status: TwilioStatus): boolean {
  return END_STATES.has(status);
}

/**
 * Whether a callback reporting `incoming` should replace `current`: only when it is later in the
 * order. An equal status (a retried callback) changes nothing; an earlier one arrived late.
 * `current` null: the message has no status yet.
 */
export function shouldApply(current: TwilioStatus | null, incoming: TwilioStatus): boolean {
  return current === null || RANK[incoming] > RANK[current];
}

/** The status a message ends at after `callbacks`, applied in the order given. */
export function settle(initial: TwilioStatus | null, callbacks: readonly TwilioStatus[]): TwilioStatus | null {
  return callbacks.reduce<TwilioStatus | null>(
    (current, incoming) => (shouldApply(current, incoming) ? incoming : current),
    initial,
  );
}

/** Slotwise_SMS_Message__c.Status__c picklist values. */
export type SmsMessageStatusValue = 'Queued' | 'Sent' | 'Delivered' | 'Undelivered' | 'Failed' | 'Received';

/** The org's picklist value for a Twilio status: the picklist is coarser than Twilio's lifecycle. */
export function orgStatusValue(status: TwilioStatus): SmsMessageStatusValue {
  switch (status) {
    case 'scheduled':
    case 'accepted':
    case 'queued':
    case 'sending':
      return 'Queued';
    case 'sent':
      return 'Sent';
    case 'delivered':
    case 'read':
    case 'partially_delivered':
      return 'Delivered';
    case 'undelivered':
      return 'Undelivered';
    case 'failed':
    case 'canceled':
      return 'Failed';
    case 'receiving':
    case 'received':
      return 'Received';
  }
}
