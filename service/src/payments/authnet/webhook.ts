import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Authorize.Net webhooks. Each POST carries `X-ANET-Signature: sha512=<HEX>`: the HMAC-SHA512 of
 * the raw request body, keyed with the merchant's Signature Key (the key string as given in the
 * Merchant Interface), in hex (Authorize.Net sends upper case). Verification needs the body
 * exactly as received, so the route must keep the raw bytes.
 */
export const ANET_SIGNATURE_HEADER = 'x-anet-signature';

/** The header value Authorize.Net sends for `rawBody`. */
export function signAnetWebhook(signatureKey: string, rawBody: string | Uint8Array): string {
  return `sha512=${createHmac('sha512', signatureKey).update(rawBody).digest('hex').toUpperCase()}`;
}

/** True when `header` is the signature of `rawBody` (hex in any case; compared in constant time). */
export function isValidAnetSignature(
  signatureKey: string,
  rawBody: string | Uint8Array,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const match = /^sha512=([0-9a-f]{128})$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha512', signatureKey).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}

export const AnetWebhookEventSchema = Type.Object({
  /** Unique per notification, the same on Authorize.Net's retries: the key for idempotent processing. */
  notificationId: Type.String({ minLength: 1, maxLength: 100 }),
  eventType: Type.String({ pattern: '^net\\.authorize\\.' }),
  eventDate: Type.String({ minLength: 1 }),
  webhookId: Type.String({ minLength: 1, maxLength: 100 }),
  payload: Type.Object({
    entityName: Type.String(),
    /** The transaction id for payment events. */
    id: Type.String({ minLength: 1, maxLength: 30 }),
    responseCode: Type.Optional(Type.Integer()),
    authCode: Type.Optional(Type.String()),
    avsResponse: Type.Optional(Type.String()),
    authAmount: Type.Optional(Type.Number()),
    invoiceNumber: Type.Optional(Type.String()),
  }),
});
export type AnetWebhookEvent = Static<typeof AnetWebhookEventSchema>;

/** The event in a verified body, or null when the body is not an event we understand. */
export function parseAnetWebhookEvent(rawBody: string | Uint8Array): AnetWebhookEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'));
  } catch {
    return null;
  }
  return Value.Check(AnetWebhookEventSchema, parsed) ? parsed : null;
}
