import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { lockDataDir } from './data-dir-lock.ts';
import { StoreError, type Row, type Store, type Transaction } from './store.ts';
import { INT8_OID, normaliseParams, parseInt8 } from './types.ts';

// Per query, not per instance: pg-boss shares the instance and expects PGlite's own parsing.
const queryOptions = { parsers: { [INT8_OID]: parseInt8 } };

export interface PgliteStore extends Store {
  readonly backend: 'pglite';
  readonly pglite: PGlite;
}

/** Opens the embedded store in `<dataDir>/pglite`, holding the data folder's lock while open. */
export async function openPgliteStore(dataDir: string): Promise<PgliteStore> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    // btree_gist: the bookings' exclusion constraint (migration 0006) needs it.
    pglite = await PGlite.create(join(dataDir, 'pglite'), { extensions: { btree_gist } });
  } catch (error) {
    lock.release();
    throw new StoreError(
      'store_corrupt',
      `embedded store in ${dataDir} could not be opened (${describe(error)}); restore it from a backup or move it away`,
      { cause: error },
    );
  }

  const query = (runner: PGlite | PgliteTransaction) =>
    async function <T extends Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const result = await runner.query<T>(sql, params ? normaliseParams(params) : undefined, queryOptions);
      return result.rows.map(normaliseRow) as T[];
    };

  return {
    backend: 'pglite',
    pglite,
    query: query(pglite),
    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      return pglite.transaction((tx) => work({ query: query(tx), exec: async (sql) => void (await tx.exec(sql)) }));
    },
    async exec(sql: string): Promise<void> {
      await pglite.exec(sql);
    },
    async close(): Promise<void> {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}

function normaliseRow(row: Row): Row {
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
