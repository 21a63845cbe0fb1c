import { randomBytes } from 'node:crypto';
import { KEY_BYTES, open, seal } from './aes-gcm.ts';
import { DecryptionError } from './errors.ts';
import type { KeyProvider } from './key-provider.ts';

/** Where a value is stored; it is authenticated with the value so a copy elsewhere fails to decrypt. */
export interface CipherContext {
  table: string;
  column: string;
  rowId: string;
}

const FORMAT_VERSION = 1;
const PRINTABLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/**
 * Envelope encryption: each value has its own random data key, wrapped by a master key. Rotating a
 * master key then re-wraps the data keys and leaves the values' own ciphertexts as they are.
 *
 * Format: version (1 byte), key id length N (1 byte), key id (N bytes, ASCII), wrapped key length
 * (2 bytes, big-endian), wrapped key, then the value's IV (12), tag (16) and ciphertext.
 */
export class Envelope {
  readonly #provider: KeyProvider;

  constructor(provider: KeyProvider) {
    this.#provider = provider;
  }

  get currentKeyId(): string {
    return this.#provider.currentKeyId;
  }

  async encrypt(plaintext: Buffer | string, context: CipherContext): Promise<Buffer> {
    const aad = encodeContext(context);
    const dataKey = randomBytes(KEY_BYTES);
    const sealed = seal(dataKey, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, aad);
    const { keyId, wrappedKey } = await this.#provider.wrap(dataKey, aad);
    return assemble(keyId, wrappedKey, sealed);
  }

  async decrypt(ciphertext: Buffer, context: CipherContext): Promise<Buffer> {
    const aad = encodeContext(context);
    const { keyId, wrappedKey, sealed } = parse(ciphertext);
    return open(await this.#provider.unwrap(keyId, wrappedKey, aad), sealed, aad);
  }

  async decryptText(ciphertext: Buffer, context: CipherContext): Promise<string> {
    return (await this.decrypt(ciphertext, context)).toString('utf8');
  }

  /** The id of the master key that wraps this value's data key. */
  keyIdOf(ciphertext: Buffer): string {
    return parse(ciphertext).keyId;
  }

  /**
   * The same value with its data key wrapped under the current master key. The value is decrypted
   * first, so a value that would not decrypt is reported rather than carried over to the new key.
   */
  async rewrap(ciphertext: Buffer, context: CipherContext): Promise<Buffer> {
    const aad = encodeContext(context);
    const { keyId, wrappedKey, sealed } = parse(ciphertext);
    const dataKey = await this.#provider.unwrap(keyId, wrappedKey, aad);
    open(dataKey, sealed, aad);
    const rewrapped = await this.#provider.wrap(dataKey, aad);
    return assemble(rewrapped.keyId, rewrapped.wrappedKey, sealed);
  }
}

/**
 * The bytes after the version byte of every value under `keyId`, so SQL can find values under other
 * keys: `substring(value from 2 for <length>) <> <prefix>`.
 */
export function keyIdPrefix(keyId: string): Buffer {
  if (!PRINTABLE_ASCII.test(keyId)) throw new Error('a key id must be 1 to 255 printable ASCII characters');
  return Buffer.concat([Buffer.from([keyId.length]), Buffer.from(keyId, 'ascii')]);
}

// A JSON array keeps the parts apart: ('a', 'bc') and ('ab', 'c') encode differently.
function encodeContext({ table, column, rowId }: CipherContext): Buffer {
  return Buffer.from(JSON.stringify([table, column, rowId]), 'utf8');
}

function assemble(keyId: string, wrappedKey: Buffer, sealed: Buffer): Buffer {
  if (wrappedKey.length > 0xffff) throw new Error('a wrapped data key must be at most 65535 bytes');
  const wrappedLength = Buffer.alloc(2);
  wrappedLength.writeUInt16BE(wrappedKey.length);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), keyIdPrefix(keyId), wrappedLength, wrappedKey, sealed]);
}

function parse(ciphertext: Buffer): { keyId: string; wrappedKey: Buffer; sealed: Buffer } {
  if (ciphertext.length < 2) throw new DecryptionError('encrypted value is truncated');
  if (ciphertext[0] !== FORMAT_VERSION) throw new DecryptionError('encrypted value has an unknown format version');
  const keyIdEnd = 2 + ciphertext[1]!;
  if (ciphertext.length < keyIdEnd + 2) throw new DecryptionError('encrypted value is truncated');
  const keyId = ciphertext.subarray(2, keyIdEnd).toString('latin1');
  if (!PRINTABLE_ASCII.test(keyId)) throw new DecryptionError('encrypted value has a malformed key id');
  const wrappedEnd = keyIdEnd + 2 + ciphertext.readUInt16BE(keyIdEnd);
  if (ciphertext.length < wrappedEnd) throw new DecryptionError('encrypted value is truncated');
  return {
    keyId,
    wrappedKey: ciphertext.subarray(keyIdEnd + 2, wrappedEnd),
    sealed: ciphertext.subarray(wrappedEnd),
  };
}
