import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { signTwilioRequest } from '../signature.ts';
import { TWILIO_ERRORS, type TwilioErrorCode } from './errors.ts';
import { API_VERSION, type MessageStatus, type StandInMessage } from './messages.ts';

/** How a message ends: delivered, or undelivered/failed with a delivery error code (30003, 30036, …). */
export type Outcome = { status: 'delivered' } | { status: 'undelivered' | 'failed'; errorCode: TwilioErrorCode };

/**
 * The statuses a message moves through after creation, as Twilio reports them: a Messaging
 * Service message is `accepted` before it is `queued`; a failed one never reaches `sent`.
 */
export function progression(initial: MessageStatus, outcome: Outcome): MessageStatus[] {
  const steps: MessageStatus[] = initial === 'accepted' ? ['queued'] : [];
  if (outcome.status === 'failed') return [...steps, 'failed'];
  return [...steps, 'sent', outcome.status];
}

/** The form parameters of Twilio's status callback for `message` in `status`. */
export function callbackParams(message: StandInMessage, status: MessageStatus): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: message.accountSid,
    ApiVersion: API_VERSION,
    From: message.from ?? '',
    MessageSid: message.sid,
    MessageStatus: status,
    SmsSid: message.sid,
    SmsStatus: status,
    To: message.to,
  };
  if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
  if ((status === 'failed' || status === 'undelivered') && message.errorCode !== null) {
    params.ErrorCode = String(message.errorCode);
    params.ErrorMessage = TWILIO_ERRORS[message.errorCode as TwilioErrorCode] ?? '';
  }
  return params;
}

export interface CallbackDelivery {
  sid: string;
  status: MessageStatus;
  url: string;
  /** The HTTP status the service answered, or the reason nothing was delivered. */
  result: number | string;
}

/**
 * POSTs a signed status callback. Only loopback hosts are called: the stand-in runs beside the
 * service in tests and sandbox, and must never send traffic anywhere else. TLS certificates are
 * not checked, since the sandbox service uses a self-signed one on the same machine.
 */
export function postCallback(
  url: string,
  params: Record<string, string>,
  authToken: string,
  timeoutMs: number,
): Promise<number | string> {
  const target = new URL(url);
  if (!isLoopback(target.hostname)) return Promise.resolve('refused: not a loopback host');
  const body = new URLSearchParams(params).toString();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(body),
    'x-twilio-signature': signTwilioRequest(authToken, url, params),
    'user-agent': 'TwilioProxy/1.1',
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(target, { method: 'POST', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error) => resolve(`error: ${error.message}`));
    req.end(body);
  });
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
