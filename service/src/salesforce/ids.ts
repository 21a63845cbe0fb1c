/** Salesforce record ids: 15 characters (case-sensitive) or 18 (the same plus a case-folding checksum). */

export const ORG_ID_PATTERN = /^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/;
export const USER_ID_PATTERN = /^005[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/;

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character suffix Salesforce appends to a 15-character id: one bit per upper-case letter. */
function checksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i]!;
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** The 18-character form of a 15-character id. */
export function to18(id15: string): string {
  return id15 + checksum(id15);
}

/**
 * The 18-character form of a 15- or 18-character id, or undefined when it is not an id of that
 * shape or its checksum does not match its first 15 characters.
 */
export function toId18(id: string, pattern: RegExp): string | undefined {
  if (!pattern.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  const id18 = to18(id15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== id18.slice(15)) return undefined;
  return id18;
}

/** Whether two ids (15 or 18 characters) name the same record. */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}
