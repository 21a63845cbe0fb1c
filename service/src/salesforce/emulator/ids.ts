import { to18 } from '../ids.ts';

// Salesforce-shaped record ids: a 3-character key prefix per object, 12 more characters, and the
// 3-character suffix that makes the 18-character form safe to compare case-insensitively.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Makes ids for one emulated org: the counter is per org so two emulators never share ids by accident. */
export class IdGenerator {
  #next: number;
  readonly #pod: string;
  /** `next` continues a generator whose state was saved (the sandbox org's state file). */
  constructor(pod = '5g', next = 1) {
    this.#pod = pod;
    this.#next = next;
  }
  /** The number the next id is made from: what to save to continue later. */
  get nextNumber(): number {
    return this.#next;
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
