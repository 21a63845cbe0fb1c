// Keys the service makes for itself (the manage-link signing key, the recipient-hash key): 32
// random bytes in a one-row table, encrypted under the envelope and registered for rotation.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { Envelope } from './envelope.ts';
import type { EncryptedColumn } from './rotation.ts';

/**
 * The key kept in `column.table` (columns id = 1, key_ciphertext, created_at): created once (of two
 * instances creating it at once, the first insert wins and both read the winner), cached in memory.
 * The table name is the service's own constant, never input.
 */
export function storedServiceKey(
  store: () => Store,
  envelope: Envelope,
  column: EncryptedColumn,
): () => Promise<Buffer> {
  const context = { table: column.table, column: column.column, rowId: '1' };
  let cached: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    const db = store();
    const read = () => db.query<{ key_ciphertext: Buffer }>(`select key_ciphertext from ${column.table} where id = 1`);
    const [existing] = await read();
    if (existing) return envelope.decrypt(existing.key_ciphertext, context);
    const ciphertext = await envelope.encrypt(randomBytes(32), context);
    await db.query(
      `insert into ${column.table} (id, key_ciphertext, created_at) values (1, $1, $2) on conflict (id) do nothing`,
      [ciphertext, new Date()],
    );
    const [row] = await read();
    return envelope.decrypt(row!.key_ciphertext, context);
  };
  return () => {
    cached ??= load().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
