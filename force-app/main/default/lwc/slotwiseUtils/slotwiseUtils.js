/**
 * Small helpers shared by the Slotwise components: label formatting, error messages, dates and
 * time zones. Pure functions, no DOM.
 *
 * Errors: the Slotwise controllers throw AuraHandledException with a message written for users
 * (e.g. "That time is no longer available. Pick another one."), so that message is shown as it is.
 */
import ERROR_GENERIC from '@salesforce/label/c.Slotwise_Error_Generic';

/** Replaces {0}, {1}, ... in a custom label with the arguments. */
export function formatLabel(label, ...args) {
  return String(label).replace(/\{(\d+)\}/g, (match, index) => {
    const value = args[Number(index)];
    return value === undefined || value === null ? match : String(value);
  });
}

/** The messages in an Apex/LDS error (or an array of them), as one string. */
export function reduceErrors(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list
    .filter((error) => !!error)
    .flatMap((error) => {
      const { body } = error;
      if (Array.isArray(body)) {
        return body.map((entry) => entry.message);
      }
      if (body && Array.isArray(body.pageErrors) && body.pageErrors.length > 0) {
        return body.pageErrors.map((entry) => entry.message);
      }
      if (body && body.fieldErrors && Object.keys(body.fieldErrors).length > 0) {
        return Object.values(body.fieldErrors)
          .flat()
          .map((entry) => entry.message);
      }
      if (body && typeof body.message === 'string') {
        return [body.message];
      }
      if (typeof error.message === 'string') {
        return [error.message];
      }
      return typeof error === 'string' ? [error] : [];
    })
    .filter((message) => !!message)
    .join(', ');
}

/** A message to show for an error: the safe message from Apex, or a generic one. */
export function errorMessage(error) {
  return reduceErrors(error) || ERROR_GENERIC;
}

function dateTimeFormat(locale, options) {
  try {
    return new Intl.DateTimeFormat(locale, options);
  } catch {
    // An unknown time zone id: fall back to the browser's zone rather than show nothing.
    const withoutZone = { ...options };
    delete withoutZone.timeZone;
    return new Intl.DateTimeFormat(locale, withoutZone);
  }
}

/**
 * Formats an ISO date-time in an IANA time zone.
 * @param {string} iso e.g. '2025-03-10T09:00:00.000Z'
 * @param {string} timeZone e.g. 'Europe/London'
 * @param {string} locale e.g. 'en-GB'
 * @param {Object} options Intl.DateTimeFormat options (default: date and time)
 */
export function formatDateTime(iso, timeZone, locale, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!iso) {
    return '';
  }
  return dateTimeFormat(locale, { ...options, timeZone }).format(new Date(iso));
}

/** The time of day of an ISO date-time in a time zone, e.g. '9:30 AM'. */
export function formatTime(iso, timeZone, locale) {
  return formatDateTime(iso, timeZone, locale, { timeStyle: 'short' });
}

/** The calendar day ('YYYY-MM-DD') of an instant (Date or ISO string) in a time zone. */
export function dayInZone(instant, timeZone) {
  const parts = dateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type) => parts.find((entry) => entry.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** 'YYYY-MM-DD' plus a number of days. */
export function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The Monday on or before a 'YYYY-MM-DD' day. */
export function startOfWeek(day) {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Formats a 'YYYY-MM-DD' day, e.g. 'Monday, March 10'. */
export function formatDay(day, locale) {
  return dateTimeFormat(locale, { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/**
 * A Time field value as lightning-input type="time" wants it ('HH:mm:ss.SSS'). Apex may send a
 * Time as 'HH:mm:ss.SSSZ' or as milliseconds after midnight; both are accepted.
 */
export function toTimeInput(value) {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  if (typeof value === 'number') {
    return new Date(value).toISOString().slice(11, 23);
  }
  return String(value).replace(/Z$/, '');
}

/** A time from lightning-input ('HH:mm' or 'HH:mm:ss.SSS') as an Apex Time value ('HH:mm:ss.SSSZ'). */
export function toApexTime(value) {
  const time = toTimeInput(value);
  if (!time) {
    return null;
  }
  const [hours, minutes, seconds = '00.000'] = time.split(':');
  const [wholeSeconds, millis = '000'] = seconds.split('.');
  return `${hours}:${minutes}:${wholeSeconds}.${millis.padEnd(3, '0')}Z`;
}

/** Combobox options for IANA time zones, always including the given zones. */
export function timeZoneOptions(...required) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = new Set([...zones, 'UTC', ...required.filter((zone) => !!zone)]);
  return [...all].sort().map((zone) => ({ label: zone, value: zone }));
}
