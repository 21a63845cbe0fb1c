import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { openStore, type OpenedStore, type StoreConfig } from '../../service/src/store/open.ts';
import { seedPgliteFromTemplate } from './pglite-template.ts';
import { createTestDatabase } from './postgres.ts';

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface DataDirOptions {
  /** No store inside: for tests of migrations, of opening the store, and of the folder itself. */
  empty?: boolean;
}

/** A temporary data folder holding an already migrated embedded store, removed when the test ends. */
export function tempDataDir(t: Test, options: DataDirOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotwise-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A new PGlite store costs ~3.5 s (initdb in WebAssembly, migrations); a copy of a migrated one ~0.2 s.
  if (!options.empty) seedPgliteFromTemplate(dir);
  return dir;
}

/** A store configuration on `backend`, or undefined when it is unavailable. PGlite's is migrated unless `empty`. */
export async function freshStoreConfig(
  t: Test,
  backend: Backend,
  options: DataDirOptions = {},
): Promise<StoreConfig | undefined> {
  if (backend === 'pglite') return { dataDir: tempDataDir(t, options) };
  const databaseUrl = await createTestDatabase(t);
  // Beside PostgreSQL the embedded store is never opened: nothing to seed.
  return databaseUrl ? { dataDir: tempDataDir(t, { empty: true }), databaseUrl } : undefined;
}

/** A fresh store on `backend`, closed when the test ends (before its database is dropped). */
export async function freshStore(
  t: Test,
  backend: Backend,
  options: DataDirOptions = {},
): Promise<OpenedStore | undefined> {
  const config = await freshStoreConfig(t, backend, options);
  if (!config) return undefined;
  const store = await openStore(config);
  t.teardown(() => store.close());
  return store;
}
