import pg from 'pg';
import { StoreError, type Row, type Transaction, type Store } from './store.ts';
import { INT8_OID, normaliseParams, parseInt8 } from './types.ts';

// Per pool, so the process-wide pg.types that pg-boss relies on stay untouched.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresStore extends Store {
  readonly backend: 'postgres';
  readonly connectionString: string;
}

/** Opens a pool on DATABASE_URL and proves it answers before returning. */
export async function openPostgresStore(connectionString: string, poolSize = 10): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString,
    types,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    application_name: 'slotwise',
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end();
    throw new StoreError(
      'store_unreachable',
      `PostgreSQL at ${redactUrl(connectionString)} is not reachable: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }

  const run = (client: pg.Pool | pg.PoolClient) =>
    async function <T extends Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const result = await client.query<T>(sql, params ? normaliseParams(params) : undefined);
      return result.rows;
    };

  return {
    backend: 'postgres',
    connectionString,
    query: run(pool),
    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work({ query: run(client), exec: async (sql) => void (await client.query(sql)) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function describe(error: unknown): string {
  const err = error as { code?: string; message?: string };
  return err.code && !err.message?.includes(err.code)
    ? `${err.code} ${err.message ?? ''}`.trim()
    : (err.message ?? String(error));
}
