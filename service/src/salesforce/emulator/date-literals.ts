// SOQL date literals as half-open UTC ranges [start, end). The emulated org's time zone is GMT, so a
// "day" here is a UTC day; a real org would use the running user's zone.

export interface DateRange {
  start: number;
  end: number;
}

const DAY = 86_400_000;

function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** The range a date literal such as `TODAY` or `NEXT_N_DAYS:7` stands for, or undefined if unsupported. */
export function dateLiteralRange(literal: string, now: Date): DateRange | undefined {
  const today = startOfUtcDay(now);
  const [name, countText] = literal.toUpperCase().split(':');
  const n = countText === undefined ? 0 : Number(countText);
  switch (name) {
    case 'TODAY':
      return { start: today, end: today + DAY };
    case 'YESTERDAY':
      return { start: today - DAY, end: today };
    case 'TOMORROW':
      return { start: today + DAY, end: today + 2 * DAY };
    // Includes today, and the n days before it.
    case 'LAST_N_DAYS':
      return { start: today - n * DAY, end: today + DAY };
    // Starts tomorrow: today is not included.
    case 'NEXT_N_DAYS':
      return { start: today + DAY, end: today + (n + 1) * DAY };
    default:
      return undefined;
  }
}
