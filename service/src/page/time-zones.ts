// The IANA zones a patient can pick: the runtime's own list, so it matches what Intl can format.

const SUPPORTED: readonly string[] = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].sort();

/** True when Intl knows the zone (including aliases such as 'Europe/Kiev' that the list omits). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zones for the picker, with `current` in it even when it is an alias. */
export function timeZoneChoices(current: string): readonly string[] {
  return SUPPORTED.includes(current) ? SUPPORTED : [current, ...SUPPORTED];
}
