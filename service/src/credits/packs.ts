// The credit packs an org can buy and their prices (CREDIT_PACKS), and when a balance counts as low
// (CREDIT_LOW_BALANCE). Prices are whole minor units of their currency, never floats.
import type { Money } from './ledger.ts';

export interface CreditPack {
  credits: number;
  price: Money;
}

export const DEFAULT_CREDIT_PACKS = '100:1500:USD,500:6000:USD,2000:20000:USD';
export const DEFAULT_LOW_BALANCE = 50;

const MAX_CREDITS = 10_000_000;
const MAX_PRICE_MINOR = 100_000_000;

/**
 * Parses `credits:price-minor:currency` entries separated by commas, e.g. `100:1500:USD`.
 * Returns the packs, or a message naming the first bad entry (the value is not a secret).
 */
export function parseCreditPacks(text: string): { packs: CreditPack[] } | { problem: string } {
  const packs: CreditPack[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    const match = /^(\d+):(\d+):([A-Z]{3})$/.exec(entry);
    const credits = Number(match?.[1]);
    const minor = Number(match?.[2]);
    if (!match || credits < 1 || credits > MAX_CREDITS || minor < 1 || minor > MAX_PRICE_MINOR) {
      return {
        problem:
          `entry "${entry}" must be credits:price-in-minor-units:CURRENCY such as 100:1500:USD ` +
          `(credits 1 to ${MAX_CREDITS}, price 1 to ${MAX_PRICE_MINOR})`,
      };
    }
    const currency = match[3]!;
    if (packs.some((pack) => pack.credits === credits && pack.price.currency === currency)) {
      return { problem: `two packs of ${credits} credits in ${currency}` };
    }
    packs.push({ credits, price: { minor, currency } });
  }
  return { packs };
}

/** The pack an org asked for, if it is one on offer (the price always comes from here, not the client). */
export function findPack(packs: readonly CreditPack[], credits: number, currency: string): CreditPack | undefined {
  return packs.find((pack) => pack.credits === credits && pack.price.currency === currency);
}

/** True when what is available has fallen to the threshold or below: the admin console warns. */
export function lowBalance(available: number, threshold: number): boolean {
  return available <= threshold;
}

/** The pack's id in the org API and purchase links: its credits and currency, e.g. `100-USD`. */
export function packId(pack: CreditPack): string {
  return `${pack.credits}-${pack.price.currency}`;
}

/** The price in the currency's major units for display (cents → dollars, yen stay yen). */
export function majorAmount(price: Money): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: price.currency }).resolvedOptions()
    .maximumFractionDigits;
  return price.minor / 10 ** (digits ?? 2);
}
