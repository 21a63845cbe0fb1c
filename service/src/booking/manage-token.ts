// Manage links: a token that lets whoever holds it read one booking and do one thing to it
// (cancel, or reschedule) until it expires. Stateless: HMAC-SHA256 under a key the service keeps
// (encrypted) in its store; nothing is stored per token.
//
// Token = base64url(payload ‖ mac), 52 characters, short enough for an SMS:
//   payload (23 bytes) = booking id (16, the uuid's bytes) ‖ purpose (1: cancel, reschedule, or
//                        waitlist: a waitlist offer's held booking) ‖ expiry (4, Unix seconds)
//                        ‖ link version (2: the booking's link_version; a reschedule bumps it, so
//                          links sent before it stop working)
//   mac (16 bytes)     = HMAC-SHA256(key, "slotwise-manage-v1" ‖ payload), first 128 bits.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import { storedServiceKey } from '../crypto/service-key.ts';
import type { Store } from '../store/store.ts';
import { bookingProblem } from './errors.ts';
import type { ManagePurpose } from './types.ts';

export interface ManageClaims {
  bookingId: string;
  purpose: ManagePurpose;
  /** Unix seconds. */
  expiresAt: number;
  linkVersion: number;
}

const DOMAIN = Buffer.from('slotwise-manage-v1');
const PAYLOAD_BYTES = 23;
const MAC_BYTES = 16;
const PURPOSES: readonly ManagePurpose[] = ['cancel', 'reschedule'];
/**
 * A waitlist offer's link (waitlist/offers.ts): it confirms the booking held for the offer. Its own
 * purpose byte, which verifyManageToken refuses, so it can never cancel or move anything.
 */
const WAITLIST_PURPOSE = PURPOSES.length + 1;
/** Links work until a week after the appointment ends, and never longer than this from now. */
export const LINK_GRACE_MS = 7 * 24 * 3600_000;
export const LINK_MAX_MS = 400 * 24 * 3600_000;

/** The signing key's column, registered with key rotation by plugins/booking.ts. */
export const SIGNING_KEY_COLUMN: EncryptedColumn = {
  table: 'booking_signing_key',
  column: 'key_ciphertext',
  idColumn: 'id',
};

/** When links to a booking ending at `end` expire, seen from `now`. */
export function linkExpiry(end: number, now: number): number {
  return Math.floor(Math.min(end + LINK_GRACE_MS, now + LINK_MAX_MS) / 1000);
}

export function signManageToken(key: Buffer, claims: ManageClaims): string {
  return sign(key, claims, PURPOSES.indexOf(claims.purpose) + 1);
}

/** A waitlist offer's link to the booking held for it, expiring with the hold (Unix seconds). */
export function signWaitlistToken(key: Buffer, claims: { bookingId: string; expiresAt: number }): string {
  return sign(key, { ...claims, linkVersion: 1 }, WAITLIST_PURPOSE);
}

function sign(key: Buffer, claims: Omit<ManageClaims, 'purpose'>, purposeByte: number): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  Buffer.from(claims.bookingId.replaceAll('-', ''), 'hex').copy(payload, 0);
  payload.writeUInt8(purposeByte, 16);
  payload.writeUInt32BE(claims.expiresAt, 17);
  payload.writeUInt16BE(claims.linkVersion, 21);
  return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/**
 * The claims of a genuine token, or a 403 for anything else (altered, truncated, not a token, a
 * waitlist link). Expiry is the caller's check (it needs the clock and gives its own answer).
 */
export function verifyManageToken(key: Buffer, token: string): ManageClaims {
  const { purposeByte, ...claims } = verify(key, token);
  const purpose = PURPOSES[purposeByte - 1];
  if (!purpose) throw invalidToken();
  return { ...claims, purpose };
}

/** A genuine waitlist link's booking and expiry (Unix seconds), or a 403; expiry is the caller's check. */
export function verifyWaitlistToken(key: Buffer, token: string): { bookingId: string; expiresAt: number } {
  const { purposeByte, bookingId, expiresAt } = verify(key, token);
  if (purposeByte !== WAITLIST_PURPOSE) throw invalidToken();
  return { bookingId, expiresAt };
}

function invalidToken() {
  return bookingProblem(
    'invalid_token',
    'This link is not valid',
    'Please use the link exactly as it was sent to you, or contact the clinic.',
  );
}

function verify(key: Buffer, token: string): Omit<ManageClaims, 'purpose'> & { purposeByte: number } {
  if (!/^[A-Za-z0-9_-]{52}$/.test(token)) throw invalidToken();
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== PAYLOAD_BYTES + MAC_BYTES) throw invalidToken();
  const payload = raw.subarray(0, PAYLOAD_BYTES);
  if (!timingSafeEqual(raw.subarray(PAYLOAD_BYTES), mac(key, payload))) throw invalidToken();
  const hex = payload.subarray(0, 16).toString('hex');
  return {
    bookingId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    purposeByte: payload.readUInt8(16),
    expiresAt: payload.readUInt32BE(17),
    linkVersion: payload.readUInt16BE(21),
  };
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
}

/** The signing key, kept encrypted in the store (crypto/service-key.ts). */
export function signingKeySource(store: () => Store, envelope: Envelope): () => Promise<Buffer> {
  return storedServiceKey(store, envelope, SIGNING_KEY_COLUMN);
}
