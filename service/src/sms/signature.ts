import twilio from 'twilio';
import { HttpProblem } from '../problem.ts';

/** Form parameters as a webhook carries them (a repeated name gives an array). */
export type WebhookParams = Record<string, string | string[]>;

/**
 * The URL Twilio signed for a request that reached us at `requestPath` (path and query exactly as
 * received). It is built from the configured public URL, never from the Host header, so a request
 * sent to another host or scheme than the one configured in Twilio fails verification.
 */
export function webhookUrl(publicUrl: URL, requestPath: string): string {
  return publicUrl.origin + requestPath;
}

/**
 * X-Twilio-Signature for a POST to `url` with `params`: base64 HMAC-SHA1, keyed with the auth
 * token, of the URL followed by each parameter name and value in name order. The SDK's function,
 * so what the stand-in signs is what Twilio signs.
 */
export function signTwilioRequest(authToken: string, url: string, params: WebhookParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/**
 * True when `signature` is Twilio's for this URL and these parameters (a constant-time compare,
 * in the SDK). Twilio signs webhooks with the account's auth token, also for accounts that call
 * the API with an API key. A signature carries no time: a replay of the very same request
 * verifies, so handlers must be idempotent (a status callback is keyed by MessageSid and status).
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: WebhookParams,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** For a webhook route: throws 403 problem+json unless the request is signed by Twilio. */
export function assertTwilioSignature(options: {
  authToken: string;
  publicUrl: URL;
  requestPath: string;
  signatureHeader: string | string[] | undefined;
  params: WebhookParams;
}): void {
  const signature = typeof options.signatureHeader === 'string' ? options.signatureHeader : undefined;
  const url = webhookUrl(options.publicUrl, options.requestPath);
  if (!isValidTwilioSignature(options.authToken, signature, url, options.params)) {
    throw new HttpProblem(403, 'twilio_signature_invalid', 'The request is not signed by Twilio');
  }
}
