import { randomBytes } from 'node:crypto';
import { KEY_BYTES, open, seal } from './aes-gcm.ts';
import { DecryptionError } from './errors.ts';

/**
 * Wraps and unwraps the per-value data keys with master keys. Asynchronous so that a provider
 * backed by an organisation's own key service can stand in for the configured keys.
 */
export interface KeyProvider {
  /** The master key new values are wrapped under. */
  readonly currentKeyId: string;
  /** `context` is authenticated with the wrapped key: unwrapping needs the same context. */
  wrap(dataKey: Buffer, context: Buffer): Promise<{ keyId: string; wrappedKey: Buffer }>;
  /** Throws DecryptionError when the key id is unknown or the wrapped key or context do not match. */
  unwrap(keyId: string, wrappedKey: Buffer, context: Buffer): Promise<Buffer>;
}

export interface MasterKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_HINT = 'make one with `openssl rand -base64 32`';

/** Master keys from configuration, newest first: the first wraps, every one unwraps. */
export class ConfiguredKeyProvider implements KeyProvider {
  readonly currentKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly MasterKey[]) {
    validateMasterKeys(keys);
    this.currentKeyId = keys[0]!.id;
    this.#keys = new Map(keys.map(({ id, key }) => [id, Buffer.from(key)]));
  }

  async wrap(dataKey: Buffer, context: Buffer): Promise<{ keyId: string; wrappedKey: Buffer }> {
    return { keyId: this.currentKeyId, wrappedKey: seal(this.#keys.get(this.currentKeyId)!, dataKey, context) };
  }

  async unwrap(keyId: string, wrappedKey: Buffer, context: Buffer): Promise<Buffer> {
    const key = this.#keys.get(keyId);
    if (!key) throw new DecryptionError(`encrypted value is under master key "${keyId}", which is not configured`);
    return open(key, wrappedKey, context);
  }
}

/**
 * Parses the ENCRYPTION_KEYS format: comma-separated `id:base64key` entries, newest first. Errors
 * name the entry by position and id, never by its text, which may be key material.
 */
export function parseMasterKeys(text: string): MasterKey[] {
  if (text.trim() === '') throw new Error('encryption keys are empty: expected id:base64key entries, newest first');
  const keys = text.split(',').map((entry, index) => {
    const where = `encryption key entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} is not in the form id:base64key`);
    const id = entry.slice(0, colon).trim();
    if (id === '') throw new Error(`${where} has no key id before the colon`);
    if (!KEY_ID.test(id)) throw new Error(`${where} has a key id that is not 1 to 32 of A-Z a-z 0-9 _ -`);
    const base64 = entry.slice(colon + 1).trim();
    const key = Buffer.from(base64, 'base64');
    // Node's decoder skips invalid characters, so only a value that re-encodes identically is base64.
    if (base64 === '' || key.toString('base64') !== base64) {
      throw new Error(`${where} (key "${id}") is not valid base64; ${KEY_HINT}`);
    }
    return { id, key };
  });
  validateMasterKeys(keys);
  return keys;
}

export function generateMasterKey(id: string): MasterKey {
  const key = { id, key: randomBytes(KEY_BYTES) };
  validateMasterKeys([key]);
  return key;
}

/** The ENCRYPTION_KEYS format of `keys`, which parseMasterKeys reads back. */
export function formatMasterKeys(keys: readonly MasterKey[]): string {
  validateMasterKeys(keys);
  return keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');
}

function validateMasterKeys(keys: readonly MasterKey[]): void {
  if (keys.length === 0) throw new Error('at least one encryption key is required');
  const seen = new Set<string>();
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new Error('encryption key ids must be 1 to 32 of A-Z a-z 0-9 _ -');
    if (seen.has(id)) throw new Error(`encryption key id "${id}" appears more than once`);
    seen.add(id);
    if (key.length !== KEY_BYTES) {
      throw new Error(`encryption key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (${KEY_HINT})`);
    }
  }
}
