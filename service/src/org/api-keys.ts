import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable, Store } from '../store/store.ts';

/** `swk_` and the base64url form of 32 random bytes (256 bits): 47 characters in all. */
export const API_KEY_PATTERN = /^swk_[A-Za-z0-9_-]{43}$/;
const API_KEY_RANDOM_BYTES = 32;
/** `swk_` and 8 random characters: 48 bits, to find a key's row and to tell keys apart in the console. */
export const API_KEY_PREFIX_LENGTH = 12;
/** How long a replaced key keeps working, so the admin can paste the new one into the Named Credential. */
export const DEFAULT_KEY_GRACE_SECONDS = 24 * 60 * 60;

export interface IssuedApiKey {
  /** The key itself: shown to the admin once, never stored. */
  key: string;
  keyId: number;
  prefix: string;
}

export interface VerifiedApiKey {
  orgId: string;
  keyId: number;
}

export function generateApiKey(): string {
  return `swk_${randomBytes(API_KEY_RANDOM_BYTES).toString('base64url')}`;
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/**
 * SHA-256 of the key. A fast, unsalted hash is right here and would be wrong for passwords: a
 * password is guessable, so its hash must be slow and salted to make guessing expensive, but an API
 * key is 256 random bits that nobody can guess or precompute however fast the hash is. A slow hash
 * would only cost CPU on every /v1 request (and hand a flood of bad keys a cheap way to burn it).
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Makes a new key for the org and returns it (the only time it is ever seen). Keys still valid
 * are kept, but expire `graceSeconds` after `now`: the org switches to the new key meanwhile.
 */
export async function issueApiKey(
  store: Store,
  orgId: string,
  options: { now?: Date; graceSeconds?: number } = {},
): Promise<IssuedApiKey> {
  const now = options.now ?? new Date();
  const graceEnds = new Date(now.getTime() + (options.graceSeconds ?? DEFAULT_KEY_GRACE_SECONDS) * 1000);
  const key = generateApiKey();
  const prefix = apiKeyPrefix(key);
  return store.transaction(async (tx) => {
    // The connection row's lock puts concurrent issues for one org one after the other.
    const connection = await tx.query('select 1 from org_connection where org_id = $1 for update', [orgId]);
    if (connection.length === 0) throw new Error(`org ${orgId} is not connected`);
    await tx.query(
      `update org_api_key set expires_at = $2
        where org_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)`,
      [orgId, graceEnds],
    );
    const [row] = await tx.query<{ id: number }>(
      'insert into org_api_key (org_id, key_prefix, key_hash, created_at) values ($1, $2, $3, $4) returning id',
      [orgId, prefix, hashApiKey(key), now],
    );
    return { key, keyId: row!.id, prefix };
  });
}

/**
 * The org and key a presented key belongs to, or undefined when it is malformed, unknown, revoked,
 * expired, or its org is disconnected. Hashes are compared in constant time.
 */
export async function verifyApiKey(
  store: Queryable,
  key: string,
  now = new Date(),
): Promise<VerifiedApiKey | undefined> {
  if (!API_KEY_PATTERN.test(key)) return undefined;
  const presented = hashApiKey(key);
  const candidates = await store.query<{ id: number; org_id: string; key_hash: Buffer }>(
    `select k.id, k.org_id, k.key_hash
       from org_api_key k join org_connection c on c.org_id = k.org_id
      where k.key_prefix = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > $2)
        and c.disconnected_at is null`,
    [apiKeyPrefix(key), now],
  );
  let match: VerifiedApiKey | undefined;
  // Every candidate is compared (there is almost always one), so the time does not depend on which matched.
  for (const candidate of candidates) {
    if (hashesEqual(candidate.key_hash, presented) && !match) match = { orgId: candidate.org_id, keyId: candidate.id };
  }
  return match;
}

/** Constant-time equality of two SHA-256 hashes; a stored value of another length never matches. */
export function hashesEqual(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/** Revokes every key of the org (disconnecting); returns how many were still unrevoked. */
export async function revokeApiKeys(store: Queryable, orgId: string, now = new Date()): Promise<number> {
  const rows = await store.query(
    'update org_api_key set revoked_at = $2 where org_id = $1 and revoked_at is null returning id',
    [orgId, now],
  );
  return rows.length;
}

export interface ApiKeyInfo {
  keyId: number;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** The org's keys as an admin may see them: prefixes and dates, never hashes. */
export async function listApiKeys(store: Queryable, orgId: string): Promise<ApiKeyInfo[]> {
  const rows = await store.query<{
    id: number;
    key_prefix: string;
    created_at: Date;
    expires_at: Date | null;
    revoked_at: Date | null;
  }>('select id, key_prefix, created_at, expires_at, revoked_at from org_api_key where org_id = $1 order by id', [
    orgId,
  ]);
  return rows.map((row) => ({
    keyId: row.id,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }));
}
