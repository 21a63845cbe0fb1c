import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/** Twilio's REST origin, as the SDK builds every URL; requests to it go to `baseUrl` instead. */
export const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** The account's auth token, or an API key (whose secret can be revoked without touching the account). */
export type TwilioCredentials =
  { accountSid: string; authToken: string } | { accountSid: string; apiKeySid: string; apiKeySecret: string };

export interface TwilioClientOptions {
  credentials: TwilioCredentials;
  /** Where Twilio's REST API is reached: the real origin, or a stand-in such as `http://127.0.0.1:4010`. */
  baseUrl?: string;
  /** Socket and request timeout. */
  timeoutMs: number;
}

/** Twilio answered with an error status; `code` is Twilio's error code when the body carried one. */
export class TwilioApiError extends Error {
  readonly status: number;
  readonly code: number | undefined;
  /** The Retry-After header as sent (seconds or an HTTP date), parsed by whoever knows the time. */
  readonly retryAfter: string | undefined;
  constructor(status: number, code: number | undefined, message: string, retryAfter: string | undefined) {
    super(message);
    this.name = 'TwilioApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * No answer from Twilio. `maybeSent` is false only when the connection was never made (the request
 * cannot have reached Twilio); after a timeout or a reset the message may exist all the same.
 */
export class TwilioNetworkError extends Error {
  readonly reason: 'timeout' | 'network';
  readonly maybeSent: boolean;
  constructor(reason: 'timeout' | 'network', maybeSent: boolean, options: { cause: unknown }) {
    super(`no answer from Twilio (${reason})`, options);
    this.name = 'TwilioNetworkError';
    this.reason = reason;
    this.maybeSent = maybeSent;
  }
}

// Failures that happen before a byte of the request could have reached the server.
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

type RequestOptions = RequestClient.RequestOptions;
type RequestResult = Awaited<ReturnType<twilio.RequestClient['request']>>;

/**
 * The SDK's HTTP client with three changes: requests for Twilio's origin go to `baseUrl` (the
 * stand-in in tests and sandbox), the SDK's own 429 retry stays off (the caller schedules retries
 * with the reminder, honouring Retry-After), and failures become `TwilioApiError` /
 * `TwilioNetworkError`, which keep the status, Twilio's code and Retry-After that the SDK's
 * RestException drops.
 */
export class RedirectingRequestClient extends twilio.RequestClient {
  readonly baseUrl: string;
  constructor(baseUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs, autoRetry: false, keepAlive: true });
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  override async request<TData>(opts: RequestOptions): Promise<RequestResult & { body: TData }> {
    const uri = opts.uri.startsWith(TWILIO_API_ORIGIN)
      ? this.baseUrl + opts.uri.slice(TWILIO_API_ORIGIN.length)
      : opts.uri;
    let response: RequestResult;
    try {
      response = await super.request({ ...opts, uri });
    } catch (error) {
      throw toNetworkError(error);
    }
    if (response.statusCode >= 400) throw toApiError(response);
    return response as RequestResult & { body: TData };
  }
}

/** The SDK client for one Twilio account, talking to `baseUrl`. */
export function createTwilioClient(options: TwilioClientOptions): twilio.Twilio {
  const { credentials } = options;
  const httpClient = new RedirectingRequestClient(options.baseUrl ?? TWILIO_API_ORIGIN, options.timeoutMs);
  // env: {} so that stray TWILIO_* variables in the process never change where requests go.
  const common = { httpClient, env: {}, autoRetry: false, lazyLoading: true };
  return 'authToken' in credentials
    ? twilio(credentials.accountSid, credentials.authToken, common)
    : twilio(credentials.apiKeySid, credentials.apiKeySecret, { ...common, accountSid: credentials.accountSid });
}

function toApiError(response: RequestResult): TwilioApiError {
  const body = parseBody(response.body);
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const message = typeof body?.message === 'string' ? body.message : `HTTP ${response.statusCode}`;
  const headers = response.headers as Record<string, unknown> | undefined;
  const retryAfter = headers?.['retry-after'];
  return new TwilioApiError(
    response.statusCode,
    code,
    message,
    typeof retryAfter === 'string' ? retryAfter : undefined,
  );
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
}

function toNetworkError(error: unknown): TwilioNetworkError {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code))
    return new TwilioNetworkError('timeout', true, { cause: error });
  const notConnected = typeof code === 'string' && NOT_CONNECTED_CODES.has(code);
  return new TwilioNetworkError('network', !notConnected, { cause: error });
}
