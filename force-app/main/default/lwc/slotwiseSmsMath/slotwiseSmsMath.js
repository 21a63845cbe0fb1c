/**
 * SMS length arithmetic for the live previews (pure functions, no DOM).
 *
 * A message is sent as GSM-7 when every character is in the GSM 03.38 basic set or its extension
 * table (extension characters take two septets); otherwise the whole message is UCS-2, where each
 * UTF-16 code unit counts (an emoji is 2). One segment holds 160 GSM-7 septets or 70 UCS-2 units;
 * a longer message is split into parts of 153 / 67 (the rest is the concatenation header). As
 * carriers do, a two-unit character (GSM-7 escape sequence, UTF-16 surrogate pair) is never split
 * across two parts.
 */

export const GSM_7 = 'GSM-7';
export const UCS_2 = 'UCS-2';

// GSM 03.38 basic character set (127 characters; 0x1B, the escape to the extension table, is left out).
export const GSM7_BASIC_CHARACTERS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

// GSM 03.38 extension table: each is sent as escape + character, so it counts as two.
export const GSM7_EXTENSION_CHARACTERS = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC_CHARACTERS);
const EXTENSION = new Set(GSM7_EXTENSION_CHARACTERS);

const SINGLE_SEGMENT = { [GSM_7]: 160, [UCS_2]: 70 };
const MULTI_SEGMENT = { [GSM_7]: 153, [UCS_2]: 67 };

// The size of each character in septets, or null when the text cannot be sent as GSM-7.
function gsm7Units(text) {
  const units = [];
  for (const character of text) {
    if (BASIC.has(character)) {
      units.push(1);
    } else if (EXTENSION.has(character)) {
      units.push(2);
    } else {
      return null;
    }
  }
  return units;
}

// The size of each code point in UTF-16 code units (2 for a surrogate pair).
function ucs2Units(text) {
  return Array.from(text, (character) => character.length);
}

function countSegments(units, total, single, multi) {
  if (total === 0) {
    return 0;
  }
  if (total <= single) {
    return 1;
  }
  let segments = 1;
  let used = 0;
  for (const size of units) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/**
 * @param {string} text the message
 * @returns {{characters: number, encoding: 'GSM-7'|'UCS-2', segments: number, perSegment: number}}
 *   characters: length in the encoding's units (GSM-7 septets, extension characters counting two;
 *   UCS-2 UTF-16 code units); segments: parts sent (0 for an empty message); perSegment: how many
 *   units each part holds (160/70 for a single part, 153/67 when split).
 */
export function analyzeSms(text) {
  const value = text === undefined || text === null ? '' : String(text);
  const gsm = gsm7Units(value);
  const encoding = gsm ? GSM_7 : UCS_2;
  const units = gsm || ucs2Units(value);
  const characters = units.reduce((sum, size) => sum + size, 0);
  const segments = countSegments(units, characters, SINGLE_SEGMENT[encoding], MULTI_SEGMENT[encoding]);
  const perSegment = segments > 1 ? MULTI_SEGMENT[encoding] : SINGLE_SEGMENT[encoding];
  return { characters, encoding, segments, perSegment };
}

/**
 * Fills a reminder template's merge fields ({FirstName}, {Time}, ...) from `values`; unknown merge
 * fields are left as they are.
 * @param {string} template
 * @param {Object<string, string>} values
 * @returns {string}
 */
export function renderTemplate(template, values) {
  const text = template === undefined || template === null ? '' : String(template);
  return text.replace(/\{(\w+)\}/g, (match, name) => {
    return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
  });
}
