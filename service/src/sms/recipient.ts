// Recipient hashes: a phone number's stand-in wherever the service must match numbers without
// reading them (opt-outs, replies, reconciliation). HMAC-SHA256 under a key the service keeps
// (encrypted) in its store, per org, so a hash says nothing outside its org and cannot be
// reversed by hashing every possible number without the key.
import { createHmac, randomBytes } from 'node:crypto';
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import type { Store } from '../store/store.ts';

/** The key's column, registered with key rotation by plugins/reminders.ts. */
export const RECIPIENT_KEY_COLUMN: EncryptedColumn = {
  table: 'sms_recipient_key',
  column: 'key_ciphertext',
  idColumn: 'id',
};
const KEY_CONTEXT = { table: RECIPIENT_KEY_COLUMN.table, column: RECIPIENT_KEY_COLUMN.column, rowId: '1' };

/** Hex HMAC-SHA256 of `<orgId>\n<e164>` under `key`. */
export function recipientHash(key: Buffer, orgId: string, e164: string): string {
  return createHmac('sha256', key).update(orgId).update('\n').update(e164).digest('hex');
}

/**
 * The recipient key: created once (32 random bytes; of two instances creating it at once, the
 * first insert wins and both read the winner), kept encrypted under the envelope, cached in memory.
 */
export function recipientKey(store: () => Store, envelope: Envelope): () => Promise<Buffer> {
  let cached: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    const db = store();
    const read = () => db.query<{ key_ciphertext: Buffer }>('select key_ciphertext from sms_recipient_key');
    const [existing] = await read();
    if (existing) return envelope.decrypt(existing.key_ciphertext, KEY_CONTEXT);
    const ciphertext = await envelope.encrypt(randomBytes(32), KEY_CONTEXT);
    await db.query(
      `insert into sms_recipient_key (id, key_ciphertext, created_at) values (1, $1, $2) on conflict (id) do nothing`,
      [ciphertext, new Date()],
    );
    const [row] = await read();
    return envelope.decrypt(row!.key_ciphertext, KEY_CONTEXT);
  };
  return () => {
    cached ??= load().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
