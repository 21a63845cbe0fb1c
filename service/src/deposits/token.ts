// The payment step's link: /book/pay?token=… names one booking held for its deposit and lets whoever
// holds it pay that deposit and see how it went, nothing else. HMAC-SHA256 under the manage links'
// signing key, in its own domain ("slotwise-deposit-v1"), so it is never a manage or waitlist link
// and they are never one.
//
// Token = base64url(booking id (16) ‖ expiry (4, Unix seconds) ‖ mac (16)), 48 characters.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpProblem } from '../problem.ts';

const DOMAIN = Buffer.from('slotwise-deposit-v1');
const PAYLOAD_BYTES = 20;
const MAC_BYTES = 16;
/** The link keeps showing how the payment went for a day after the window. */
export const PAYMENT_LINK_GRACE_MS = 24 * 3600_000;

export function signPaymentToken(key: Buffer, claims: { bookingId: string; expiresAt: number }): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  Buffer.from(claims.bookingId.replaceAll('-', ''), 'hex').copy(payload, 0);
  payload.writeUInt32BE(claims.expiresAt, 16);
  return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/** The booking a genuine, unexpired payment link names; 403 for anything else, 410 once expired. */
export function verifyPaymentToken(key: Buffer, token: string, now: Date): string {
  const raw = /^[A-Za-z0-9_-]{48}$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  const payload = raw.subarray(0, PAYLOAD_BYTES);
  if (raw.length !== PAYLOAD_BYTES + MAC_BYTES || !timingSafeEqual(raw.subarray(PAYLOAD_BYTES), mac(key, payload))) {
    throw new HttpProblem(
      403,
      'invalid_token',
      'This link is not valid',
      'Please start your booking again from the clinic’s booking page.',
    );
  }
  if (payload.readUInt32BE(16) * 1000 <= now.getTime()) {
    throw new HttpProblem(
      410,
      'expired_token',
      'This payment link has expired',
      'Please start your booking again from the clinic’s booking page.',
    );
  }
  const hex = payload.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
}
