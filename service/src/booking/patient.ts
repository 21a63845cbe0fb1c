// A patient's details as typed on the page, checked and normalised before they go to the org.
// Pure: no I/O. Any script, emoji and right-to-left text is welcome in a name; what is removed are
// characters that are invisible or reorder text (control and bidi override characters), which
// could make a name display as something else in the clinic's Salesforce.
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { bookingProblem } from './errors.ts';

export interface PatientDetails {
  name: string;
  /** E.164, e.g. '+447911123456'. Always given on the page; staff may book with an e-mail only. */
  phone: string | undefined;
  email: string | undefined;
}

export const NAME_MAX_CHARS = 100;
const EMAIL_MAX_CHARS = 254;

// C0/C1 controls, and the bidi embedding/override/isolate marks (LRE … RLO, LRI … PDI). ZWJ stays:
// it joins emoji sequences.
const INVISIBLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu;
// Deliberately simple: one @, something before it, a dotted domain after it, no spaces.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

export function cleanName(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
}

/** The region of a BCP 47 locale ('en-GB' → 'GB', 'fr' → 'FR' by likely subtags), if any. */
export function regionOf(locale: string): CountryCode | undefined {
  try {
    return new Intl.Locale(locale).maximize().region as CountryCode | undefined;
  } catch {
    return undefined;
  }
}

export function validatePatient(input: {
  name: string;
  phone: string;
  email?: string;
  locale: string;
}): PatientDetails & { phone: string } {
  const name = validName(input.name);
  const phone = normalisePhone(input.phone, regionOf(input.locale));
  return { name, phone, email: validEmail(input.email) };
}

/**
 * A caller's details as staff typed them in Salesforce (the org API's Patient): the phone in
 * international form, or none when there is an e-mail; an SMS consent needs the phone.
 */
export function validateStaffPatient(
  input: { name: string; phone?: string; email?: string },
  smsConsent: boolean,
): PatientDetails {
  const name = validName(input.name);
  const phone = input.phone === undefined ? undefined : normalisePhone(input.phone, undefined);
  const email = validEmail(input.email);
  if (phone === undefined && email === undefined) {
    throw bookingProblem('invalid_details', 'A phone number or an e-mail address is needed');
  }
  if (smsConsent && phone === undefined) {
    throw bookingProblem('invalid_details', 'SMS consent needs a phone number');
  }
  return { name, phone, email };
}

function validName(raw: string): string {
  const name = cleanName(raw);
  const length = [...name].length;
  if (length === 0) throw bookingProblem('invalid_details', 'Please enter your name');
  if (length > NAME_MAX_CHARS) {
    throw bookingProblem(
      'invalid_details',
      'Your name is too long',
      `Please use at most ${NAME_MAX_CHARS} characters.`,
    );
  }
  return name;
}

function validEmail(raw: string | undefined): string | undefined {
  const email = raw?.trim() || undefined;
  if (email !== undefined && (email.length > EMAIL_MAX_CHARS || !EMAIL.test(email))) {
    throw bookingProblem(
      'invalid_details',
      'This e-mail address does not look right',
      'Please check it, or leave it empty.',
    );
  }
  return email;
}

function normalisePhone(raw: string, defaultCountry: CountryCode | undefined): string {
  const refusal = () =>
    bookingProblem(
      'invalid_phone',
      'This phone number does not look right',
      'Please enter a mobile number we can text, with the country code if it is not a local number (for example +44 7911 123456).',
    );
  try {
    const parsed = parsePhoneNumberWithError(raw, defaultCountry ? { defaultCountry } : {});
    if (!parsed.isValid()) throw refusal();
    return parsed.number;
  } catch (error) {
    if (error instanceof Error && 'status' in error) throw error;
    throw refusal();
  }
}
