import { randomBytes } from 'node:crypto';

/** Card details as the hosted form (or a test) gives them to the stand-in to mint a nonce. */
export interface CardEntry {
  cardNumber: string;
  /** MM/YY, MMYY or YYYY-MM. */
  expirationDate: string;
  cardCode?: string;
  zip?: string;
}

/**
 * How the stand-in answers, chosen by the card like Authorize.Net's sandbox test values:
 * ZIP 46282 declines (reason 2), ZIP 46203 fails AVS (27), ZIP 46207 is held for review (252),
 * card code 901 fails CVV (65), an expiry before today fails as expired (8).
 */
export const TEST_TRIGGERS = {
  declineZip: '46282',
  avsMismatchZip: '46203',
  heldZip: '46207',
  cvvMismatchCode: '901',
} as const;

/** Nonces live 15 minutes and are single use, like Accept.js's. */
export const NONCE_LIFETIME_MS = 15 * 60_000;

export interface StoredNonce {
  card: CardEntry;
  createdAt: number;
  used: boolean;
}

export function newNonce(): string {
  // Accept.js nonces are long opaque strings; the shape matters less than being unguessable.
  return `eyJjb2RlIjoi${randomBytes(24).toString('base64url')}`;
}

/** The expiry as [year, month], or null when it cannot be read. */
export function parseExpiry(text: string): [number, number] | null {
  const iso = /^(\d{4})-(\d{2})$/.exec(text);
  if (iso) return [Number(iso[1]), Number(iso[2])];
  const short = /^(\d{2})\/?(\d{2})$/.exec(text);
  if (short) return [2000 + Number(short[2]), Number(short[1])];
  return null;
}

/** True when the card's expiry month has ended at `nowMs`. */
export function isExpired(expirationDate: string, nowMs: number): boolean {
  const expiry = parseExpiry(expirationDate);
  if (!expiry) return true;
  const now = new Date(nowMs);
  const [year, month] = expiry;
  return year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1);
}

export function cardType(cardNumber: string): string {
  if (cardNumber.startsWith('4')) return 'Visa';
  if (/^5[1-5]/.test(cardNumber) || /^2[2-7]/.test(cardNumber)) return 'MasterCard';
  if (/^3[47]/.test(cardNumber)) return 'AmericanExpress';
  if (cardNumber.startsWith('6')) return 'Discover';
  return 'Visa';
}

/** Luhn check, as the hosted form validates before tokenising. */
export function isValidCardNumber(cardNumber: string): boolean {
  if (!/^\d{13,19}$/.test(cardNumber)) return false;
  let sum = 0;
  for (let i = 0; i < cardNumber.length; i++) {
    let digit = Number(cardNumber[cardNumber.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}
