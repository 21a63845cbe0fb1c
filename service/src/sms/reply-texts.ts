// What we text back to a patient's reply, and the phone number forms webhooks need. Pure: no I/O.
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The org's name as the patient knows it; a neutral stand-in when the org cannot be read. */
export const DEFAULT_ORG_NAME = 'your clinic';

export const replyTexts = {
  confirmed: (org: string) => `Thank you, your appointment with ${org} is confirmed.`,
  nothingToConfirm: (org: string) =>
    `Thank you for your reply. We could not find an appointment to confirm: please contact ${org}.`,
  rescheduleLink: (org: string, link: string) => `To choose a new time for your appointment with ${org}: ${link}`,
  reschedulePleaseCall: (org: string) => `To change your appointment, please contact ${org} directly.`,
  help: (org: string) =>
    `${org} appointment reminders. Reply C to confirm, R to reschedule, STOP to stop these messages.`,
  other: (org: string) =>
    `Thank you for your message. Replies here are not read: reply C to confirm, R to reschedule, or contact ${org}.`,
  notedForStaff: (org: string) =>
    `Thank you for your message. We have let ${org} know you replied and they will contact you. Reply C to confirm or R to reschedule.`,
};

/**
 * A webhook's From as E.164. Twilio sends E.164 for phone numbers; a value that starts with + but
 * that libphonenumber cannot place (a new range) is kept as it is, digits only. Anything without a
 * country (a short code, an alphanumeric sender, a national number) is undefined: no country to
 * read it in, so it cannot match a number we wrote to.
 */
export function webhookNumberToE164(from: string): string | undefined {
  const trimmed = from.trim();
  if (!trimmed.startsWith('+')) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed);
  if (parsed) return parsed.number;
  const digits = trimmed.slice(1).replace(/[\s().-]/g, '');
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

/**
 * The number as staff see it in the org: the country code and the last four digits, the rest
 * hidden ('+44••••••3456'). At most 20 characters (Masked_Number__c).
 */
export function maskNumber(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const country = parsed ? `+${parsed.countryCallingCode}` : e164.slice(0, 2);
  const national = parsed ? parsed.nationalNumber : e164.slice(2);
  const shown = national.slice(-4);
  const hidden = Math.max(0, Math.min(national.length - shown.length, 20 - country.length - shown.length));
  return country + '•'.repeat(hidden) + shown;
}
