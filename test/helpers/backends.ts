import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { openStore, type OpenedStore, type StoreConfig } from '../../service/src/store/open.ts';
import { createTestDatabase } from './postgres.ts';

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/** A temporary data folder, removed when the test ends. */
export function tempDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotwise-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store configuration of a fresh, empty store on `backend`, or undefined when it is unavailable. */
export async function freshStoreConfig(t: Test, backend: Backend): Promise<StoreConfig | undefined> {
  if (backend === 'pglite') return { dataDir: tempDataDir(t) };
  const databaseUrl = await createTestDatabase(t);
  return databaseUrl ? { dataDir: tempDataDir(t), databaseUrl } : undefined;
}

/** A fresh store on `backend`, closed when the test ends (before its database is dropped). */
export async function freshStore(t: Test, backend: Backend): Promise<OpenedStore | undefined> {
  const config = await freshStoreConfig(t, backend);
  if (!config) return undefined;
  const store = await openStore(config);
  t.teardown(() => store.close());
  return store;
}
