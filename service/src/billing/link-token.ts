// Purchase links: the admin console opens the billing page with a token that names one stored
// purchase link and when it stops working. HMAC-SHA256 under the service's signing key (the one
// manage links use, under its own domain string, so neither kind of token opens the other's door).
// What the token cannot say (used or not) is the stored link's: see billing/links.ts.
//
// Token = base64url(payload ‖ mac), 48 characters:
//   payload (20 bytes) = link id (16, the uuid's bytes) ‖ expiry (4, Unix seconds)
//   mac (16 bytes)     = HMAC-SHA256(key, "slotwise-purchase-v1" ‖ payload), first 128 bits.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PurchaseLinkClaims {
  linkId: string;
  /** Unix seconds. */
  expiresAt: number;
}

const DOMAIN = Buffer.from('slotwise-purchase-v1');
const PAYLOAD_BYTES = 20;
const MAC_BYTES = 16;
export const PURCHASE_TOKEN_PATTERN = '^[A-Za-z0-9_-]{48}$';

export function signPurchaseToken(key: Buffer, claims: PurchaseLinkClaims): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  Buffer.from(claims.linkId.replaceAll('-', ''), 'hex').copy(payload, 0);
  payload.writeUInt32BE(claims.expiresAt, 16);
  return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/** The claims of a genuine token, or null for anything else (altered, truncated, another kind). Expiry is the caller's check. */
export function verifyPurchaseToken(key: Buffer, token: string): PurchaseLinkClaims | null {
  if (!new RegExp(PURCHASE_TOKEN_PATTERN).test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== PAYLOAD_BYTES + MAC_BYTES) return null;
  const payload = raw.subarray(0, PAYLOAD_BYTES);
  if (!timingSafeEqual(raw.subarray(PAYLOAD_BYTES), mac(key, payload))) return null;
  const hex = payload.subarray(0, 16).toString('hex');
  return {
    linkId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    expiresAt: payload.readUInt32BE(16),
  };
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
}
