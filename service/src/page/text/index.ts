// The languages the booking pages speak, and the choice of one for a request.
import { en, type Texts } from './en.ts';

export type { Texts };

const LANGUAGES: Record<string, Texts> = { en };

export interface PageLanguage {
  /** BCP 47 tag for `lang` and for Intl: the browser's own region when it asked for this language. */
  locale: string;
  text: Texts;
}

/** The first language of Accept-Language that the pages speak, else English. */
export function languageFor(acceptLanguage: string | undefined): PageLanguage {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';', 1)[0]!.trim();
    const text = LANGUAGES[tag.split('-', 1)[0]!.toLowerCase()];
    if (!text) continue;
    return { locale: validLocale(tag) ?? text.defaultLocale, text };
  }
  return { locale: en.defaultLocale, text: en };
}

function validLocale(tag: string): string | undefined {
  // A tag without a region formats dates the language's default way; a malformed one is ignored.
  if (!tag.includes('-')) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}
