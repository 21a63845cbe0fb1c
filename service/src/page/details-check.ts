// The page's own checks of the details form, so each mistake gets a message beside its field. The
// booking service checks again; these only decide what the patient is told.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Texts } from './text/index.ts';
import type { DetailsValues, FieldErrors } from './views/details.ts';

const NAME_MAX = 100;
/** Control characters, and the bidi overrides and isolates that could make a name display as another. */
const FORBIDDEN_IN_NAME = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The region of a locale ('en-GB' → 'GB'), the default country of a number written without one. */
export function regionOf(locale: string): CountryCode | undefined {
  try {
    return new Intl.Locale(locale).maximize().region as CountryCode | undefined;
  } catch {
    return undefined;
  }
}

export function checkDetails(values: DetailsValues, locale: string, text: Texts): FieldErrors {
  const errors: FieldErrors = {};
  const name = values.name.trim();
  if (name.length === 0) errors.name = text.errors.nameMissing;
  else if ([...name].length > NAME_MAX) errors.name = text.errors.nameTooLong;
  else if (FORBIDDEN_IN_NAME.test(name)) errors.name = text.errors.nameInvalid;

  const phone = values.phone.trim();
  if (phone.length === 0) errors.phone = text.errors.phoneMissing;
  else if (!/^[\d\s()+.-]+$/.test(phone) || !parsePhoneNumberFromString(phone, regionOf(locale))?.isValid()) {
    errors.phone = text.errors.phoneInvalid;
  }

  const email = values.email.trim();
  if (email.length > 0 && (email.length > 254 || !EMAIL.test(email))) errors.email = text.errors.emailInvalid;
  return errors;
}
