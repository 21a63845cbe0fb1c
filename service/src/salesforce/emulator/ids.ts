// Salesforce-shaped record ids: a 3-character key prefix per object, 12 more characters, and the
// 3-character suffix that makes the 18-character form safe to compare case-insensitively.

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 18-character form of a 15-character id. */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i]!;
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id15 + suffix;
}

/** Makes ids for one emulated org: the counter is per org so two emulators never share ids by accident. */
export class IdGenerator {
  #next = 1;
  readonly #pod: string;
  constructor(pod = '5g') {
    this.#pod = pod;
  }
  next(keyPrefix: string): string {
    let n = this.#next++;
    let digits = '';
    while (n > 0) {
      digits = BASE62[n % 62] + digits;
      n = Math.floor(n / 62);
    }
    return to18(keyPrefix + this.#pod + digits.padStart(10, '0'));
  }
}

/** Whether `value` looks like a 15- or 18-character id. */
export function isIdLike(value: unknown): value is string {
  return typeof value === 'string' && /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** Compares ids the way Salesforce does: the 15-character prefix, case-sensitively. */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}
