import { openPgliteStore, type PgliteStore } from './pglite.ts';
import { openPostgresStore, type PostgresStore } from './postgres.ts';

export interface StoreConfig {
  databaseUrl?: string;
  dataDir: string;
}

export type OpenedStore = PgliteStore | PostgresStore;

/** PostgreSQL when DATABASE_URL is set, else the embedded store in the data folder. */
export function openStore(config: StoreConfig): Promise<OpenedStore> {
  return config.databaseUrl ? openPostgresStore(config.databaseUrl) : openPgliteStore(config.dataDir);
}
