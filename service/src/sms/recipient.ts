// Recipient hashes: a phone number's stand-in wherever the service must match numbers without
// reading them (opt-outs, replies, reconciliation). HMAC-SHA256 under a key the service keeps
// (encrypted) in its store, per org, so a hash says nothing outside its org and cannot be
// reversed by hashing every possible number without the key.
import { createHmac } from 'node:crypto';
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import { storedServiceKey } from '../crypto/service-key.ts';
import type { Store } from '../store/store.ts';

/** The key's column, registered with key rotation by plugins/reminders.ts. */
export const RECIPIENT_KEY_COLUMN: EncryptedColumn = {
  table: 'sms_recipient_key',
  column: 'key_ciphertext',
  idColumn: 'id',
};

/** Hex HMAC-SHA256 of `<orgId>\n<e164>` under `key`. */
export function recipientHash(key: Buffer, orgId: string, e164: string): string {
  return createHmac('sha256', key).update(orgId).update('\n').update(e164).digest('hex');
}

/** The recipient key, kept encrypted in the store (crypto/service-key.ts). */
export function recipientKey(store: () => Store, envelope: Envelope): () => Promise<Buffer> {
  return storedServiceKey(store, envelope, RECIPIENT_KEY_COLUMN);
}
