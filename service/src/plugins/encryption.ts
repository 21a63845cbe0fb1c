import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Envelope } from '../crypto/envelope.ts';
import type { KeyProvider } from '../crypto/key-provider.ts';
import { defineKeyRotation, requestKeyRotation, type EncryptedColumn } from '../crypto/rotation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    envelope: Envelope;
    /** Features add the columns they encrypt, so key rotation reaches them. */
    encryptedColumns: EncryptedColumn[];
  }
}

/**
 * Encryption at rest for the store. At every start a rotation is requested: it finds nothing to do
 * unless a new master key was put first in ENCRYPTION_KEYS, and then moves every value to it.
 */
async function encryption(app: FastifyInstance, options: { keyProvider: KeyProvider }): Promise<void> {
  const envelope = new Envelope(options.keyProvider);
  const columns: EncryptedColumn[] = [];
  app.decorate('envelope', envelope);
  app.decorate('encryptedColumns', columns);
  defineKeyRotation(app.jobs, {
    store: () => app.storeConnection.store,
    envelope,
    columns: () => columns,
    log: app.log.child({ component: 'key-rotation' }),
  });
  app.storeConnection.use({ start: () => requestKeyRotation(app.jobs), stop: async () => {} });
}

export const encryptionPlugin = fp(encryption, { name: 'encryption', dependencies: ['store'] });
