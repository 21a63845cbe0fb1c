/**
 * Money as Authorize.Net takes it: a decimal string ("12.50"), built from integer minor units so
 * no float ever touches an amount. Authorize.Net's currencies (USD, CAD, GBP, EUR, AUD, NZD, …)
 * all have two decimals; others are refused rather than guessed.
 */
const TWO_DECIMAL_CURRENCIES = new Set(['USD', 'CAD', 'GBP', 'EUR', 'AUD', 'NZD', 'CHF', 'DKK', 'NOK', 'PLN', 'SEK']);

export function assertSupportedCurrency(currency: string): void {
  if (!TWO_DECIMAL_CURRENCIES.has(currency)) throw new RangeError(`Unsupported currency ${currency}`);
}

export function minorToDecimal(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new RangeError('amountMinor must be a positive whole number of minor units');
  }
  const whole = Math.trunc(amountMinor / 100);
  const cents = amountMinor % 100;
  return `${whole}.${String(cents).padStart(2, '0')}`;
}

/** "12.5", "12.50", 12.5 (JSON numbers in responses) → 1250; null for anything else. */
export function decimalToMinor(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return null;
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
