import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type OpenedStore } from '../service/src/store/open.ts';
import { redactUrl } from '../service/src/store/postgres.ts';
import type { Cleanup } from './cleanup.ts';
import type { BackendName, BenchConfig } from './config.ts';

/** A bare driver connection, without the Store layer: the baseline the Store is compared with. */
export interface RawConnection {
  query(sql: string, params?: unknown[]): Promise<unknown[]>;
}

export interface BenchBackend {
  name: BackendName;
  /** A fresh, empty store on this backend. */
  store: OpenedStore;
  /** The driver under the store: a new pg.Client, or the store's own PGlite instance. */
  rawConnection(): Promise<RawConnection>;
}

export type Opened = { backend: BenchBackend } | { skipped: string };

/**
 * Opens a fresh store on `name`: PGlite in a temporary folder, or PostgreSQL in a throwaway
 * database. Everything it makes is undone by `cleanup`, including on failure part-way.
 */
export async function openBackend(name: BackendName, config: BenchConfig, cleanup: Cleanup): Promise<Opened> {
  if (name === 'postgres') {
    const problem = await postgresUnavailable(config.postgresUrl);
    if (problem) return { skipped: problem };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'slotwise-bench-'));
  cleanup.add(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));

  if (name === 'pglite') {
    const store = await openStore({ dataDir });
    cleanup.add('close the PGlite store', () => store.close());
    if (store.backend !== 'pglite') throw new Error(`expected a PGlite store, got ${store.backend}`);
    const raw: RawConnection = {
      query: async (sql, params) => (await store.pglite.query(sql, params)).rows,
    };
    return { backend: { name, store, rawConnection: async () => raw } };
  }

  const databaseUrl = await createDatabase(config.postgresUrl, cleanup);
  const store = await openStore({ dataDir, databaseUrl });
  cleanup.add('close the PostgreSQL store', () => store.close());
  const rawConnection = async (): Promise<RawConnection> => {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'slotwise-bench-raw' });
    client.on('error', () => {});
    await client.connect();
    cleanup.add('close a raw pg.Client', () => client.end());
    return { query: async (sql, params) => (await client.query(sql, params)).rows };
  };
  return { backend: { name, store, rawConnection } };
}

/** Why PostgreSQL at `adminUrl` cannot be used, or undefined when it can. */
async function postgresUnavailable(adminUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${redactUrl(adminUrl)} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates an empty database, dropped (with its connections) by `cleanup`; returns its URL. */
export async function createDatabase(adminUrl: string, cleanup: Cleanup): Promise<string> {
  const name = `slotwise_bench_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  cleanup.add(`drop database ${name}`, () => admin(adminUrl, `drop database if exists ${name} with (force)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
