import type twilio from 'twilio';
import { segmentInfo } from './template.ts';
import { TwilioApiError, TwilioNetworkError } from './twilio-client.ts';

/** Who the message is from: a Messaging Service (Twilio picks the number) or one of our numbers. */
export type SmsSender =
  { messagingServiceSid: string; from?: undefined } | { from: string; messagingServiceSid?: undefined };

export type SmsRequest = SmsSender & {
  /** E.164, with its country code. */
  to: string;
  body: string;
  /** Where Twilio reports the message's status changes. */
  statusCallback: string;
  /** Seconds Twilio may keep the message queued before dropping it (1–36000): a late reminder is never sent. */
  validityPeriodSeconds: number;
  /** 1 for the first try of this message; sets the backoff and Twilio's `Attempt`. */
  attempt?: number;
};

export type SendResult =
  | { kind: 'sent'; sid: string; status: string; segments: number }
  /** Try again after `afterMs`. `maybeSent`: no answer arrived, so the message may exist; reconcile before resending. */
  | { kind: 'retry'; code: number | 'timeout' | 'network' | 'rate_limited'; afterMs: number; maybeSent: boolean }
  | { kind: 'opted_out'; code: 21610 }
  | { kind: 'invalid_number'; code: 21211 | 21614 | 'not_e164' }
  | { kind: 'failed'; code: number };

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 5 * 60_000 };

const E164 = /^\+[1-9]\d{6,14}$/;

/** Exponential backoff for attempt n (1-based): base, 2×base, 4×base, … capped. */
export function backoffMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Retry-After in milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * What a failed create means for the reminder. 429 / 20429, 5xx and no answer are retried (never
 * sooner than Retry-After); 21610 is an opt-out and 21211 / 21614 an unusable number, neither ever
 * retried; any other error is a permanent failure with Twilio's code.
 */
export function classifyFailure(error: unknown, attempt: number, nowMs: number, policy: BackoffPolicy): SendResult {
  const backoff = backoffMs(attempt, policy);
  if (error instanceof TwilioNetworkError) {
    return { kind: 'retry', code: error.reason, afterMs: backoff, maybeSent: error.maybeSent };
  }
  if (!(error instanceof TwilioApiError)) throw error;
  if (error.status === 429 || error.code === 20429 || error.status >= 500) {
    const afterMs = Math.max(backoff, retryAfterMs(error.retryAfter, nowMs) ?? 0);
    return { kind: 'retry', code: error.code ?? error.status, afterMs, maybeSent: false };
  }
  if (error.code === 21610) return { kind: 'opted_out', code: 21610 };
  if (error.code === 21211 || error.code === 21614) return { kind: 'invalid_number', code: error.code };
  return { kind: 'failed', code: error.code ?? error.status };
}

/** What Twilio knows of one message (for reconciliation and status polling). */
export interface MessageSnapshot {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
  errorCode: number | null;
  segments: number;
  dateCreated: Date | null;
  dateSent: Date | null;
}

export interface SmsSenderDeps {
  client: twilio.Twilio;
  backoff?: BackoffPolicy;
  now?: () => number;
}

export interface SmsApi {
  sendSms(request: SmsRequest): Promise<SendResult>;
  /** The message, or undefined when Twilio has none with this SID. */
  fetchMessage(sid: string): Promise<MessageSnapshot | undefined>;
  /**
   * Messages to `to` (and from `from`), newest first, at most `limit`. Twilio's list filters are
   * To, From and DateSent only: there is no client reference to search by (see docs/sms.md).
   */
  findMessages(filter: { to: string; from?: string; limit: number }): Promise<MessageSnapshot[]>;
}

/** Sends and looks up messages through the SDK client; every outcome of a send is a `SendResult`. */
export function createSmsApi(deps: SmsSenderDeps): SmsApi {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const now = deps.now ?? Date.now;
  const messages = () => deps.client.api.v2010.account.messages;

  return {
    async sendSms(request) {
      const attempt = request.attempt ?? 1;
      checkRequest(request);
      if (!E164.test(request.to)) return { kind: 'invalid_number', code: 'not_e164' };
      try {
        const message = await messages().create({
          to: request.to,
          body: request.body,
          statusCallback: request.statusCallback,
          validityPeriod: request.validityPeriodSeconds,
          ...(request.messagingServiceSid !== undefined
            ? { messagingServiceSid: request.messagingServiceSid }
            : { from: request.from }),
          ...(attempt > 1 ? { attempt } : {}),
        });
        // A Messaging Service reports 0 segments until it picks a sender: count them ourselves then.
        const segments =
          message.numSegments && Number(message.numSegments) > 0
            ? Number(message.numSegments)
            : segmentInfo(request.body).segments;
        return { kind: 'sent', sid: message.sid, status: message.status, segments };
      } catch (error) {
        return classifyFailure(error, attempt, now(), policy);
      }
    },

    async fetchMessage(sid) {
      try {
        return snapshot(await deps.client.api.v2010.account.messages(sid).fetch());
      } catch (error) {
        if (error instanceof TwilioApiError && error.status === 404) return undefined;
        throw error;
      }
    },

    async findMessages(filter) {
      const found = await messages().list({
        to: filter.to,
        ...(filter.from ? { from: filter.from } : {}),
        limit: filter.limit,
        pageSize: Math.min(filter.limit, 1000),
      });
      return found.map(snapshot);
    },
  };
}

// Programming errors, not send outcomes: these never reach Twilio.
function checkRequest(request: SmsRequest): void {
  const period = request.validityPeriodSeconds;
  if (!Number.isInteger(period) || period < 1 || period > 36_000) {
    throw new RangeError('validityPeriodSeconds must be an integer from 1 to 36000');
  }
  if (request.body.length === 0) throw new RangeError('body must not be empty');
  if ((request.messagingServiceSid === undefined) === (request.from === undefined)) {
    throw new RangeError('give exactly one of messagingServiceSid and from');
  }
}

type MessageInstance = Awaited<ReturnType<twilio.Twilio['messages']['create']>>;

function snapshot(message: MessageInstance): MessageSnapshot {
  return {
    sid: message.sid,
    to: message.to,
    from: message.from,
    body: message.body,
    status: message.status,
    errorCode: message.errorCode,
    segments: Number(message.numSegments ?? 0),
    dateCreated: message.dateCreated,
    dateSent: message.dateSent,
  };
}
