import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, type Store } from './store.ts';

export const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

// Any fixed number, the same in every instance: it names the lock, nothing else.
const MIGRATION_LOCK_KEY = 734_251_190;

interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Files named `NNNN_description.sql`, in version order. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
      if (!match) throw new StoreError('migration_invalid', `migration file ${file} is not named NNNN_description.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2]!, sql, checksum: sha256(sql) };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new StoreError('migration_invalid', `two migrations share version ${migrations[i]!.version}`);
    }
  }
  return migrations;
}

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock, so
 * instances starting together queue up and each migration runs exactly once. An applied migration
 * whose file has since changed is refused: the database would no longer match the code.
 * Returns the versions it applied.
 */
export async function migrate(store: Store, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = readMigrations(dir);
  return store.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    const applied = new Map(
      (await tx.query<{ version: number; checksum: string }>('select version, checksum from schema_migrations')).map(
        (row) => [row.version, row.checksum],
      ),
    );
    const done: number[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new StoreError(
            'migration_changed',
            `migration ${migration.version}_${migration.name} was edited after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new StoreError(
          'migration_failed',
          `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
