/**
 * The one database interface the service uses. SQL is PostgreSQL 15's dialect; two backends
 * implement it: embedded PGlite (a data folder) and a `pg` pool (DATABASE_URL).
 *
 * Both return rows with the same JavaScript types, whatever the driver does by default:
 * int8 → number (an error past Number.MAX_SAFE_INTEGER rather than a silently wrong value),
 * bytea → Buffer, numeric → string, timestamptz → Date, json/jsonb → parsed value.
 * Parameters: bigint is accepted on both.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Transaction extends Queryable {
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Store extends Transaction {
  readonly backend: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
