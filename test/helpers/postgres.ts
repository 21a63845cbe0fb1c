import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';

/** Where the machine's PostgreSQL is; tests make their own databases on it. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Set by .ci/run: a missing PostgreSQL is then a failure, not a skip. */
const required = process.env.SLOTWISE_REQUIRE_POSTGRES === '1';

let reachable: Promise<string | undefined> | undefined;

/** Why PostgreSQL cannot be used, or undefined when it can. */
export function postgresUnavailable(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${POSTGRES_ADMIN_URL} is not reachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/**
 * Creates an empty database for one test and drops it when the test ends. Returns undefined (and
 * the test is skipped, visibly) when PostgreSQL is absent, unless CI requires it.
 */
export async function createTestDatabase(t: Test): Promise<string | undefined> {
  const problem = await postgresUnavailable();
  if (problem) {
    if (required) t.fail(`PostgreSQL is required here: ${problem}`);
    else t.skip(`needs PostgreSQL: ${problem}`, () => {});
    return undefined;
  }
  const name = `slotwise_test_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  t.teardown(() => admin(`drop database if exists ${name} with (force)`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
