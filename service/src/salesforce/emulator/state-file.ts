// The org emulator's state on disk, so the sandbox's demo org outlives a restart: its records, its
// id and connected app, and the refresh tokens it issued (hashed). Written whole to a temporary
// file, flushed and renamed over the old one, so a crash leaves the old state or the new, never half.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const FieldValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

const EmulatorStateSchema = Type.Object({
  version: Type.Literal(1),
  orgId: Type.String({ pattern: '^00D[A-Za-z0-9]{15}$' }),
  clientId: Type.String({ minLength: 1 }),
  clientSecret: Type.String({ minLength: 1 }),
  records: Type.Object({
    tables: Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), FieldValue))),
    autoNumbers: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    nextId: Type.Integer({ minimum: 1 }),
    lastStamp: Type.Number({ minimum: 0 }),
  }),
  oauth: Type.Object({
    refreshTokens: Type.Array(
      Type.Object({ tokenHash: Type.String({ minLength: 1 }), userId: Type.String(), revoked: Type.Boolean() }),
    ),
  }),
});

export type EmulatorState = Static<typeof EmulatorStateSchema>;

/** The state file cannot be read as a saved org; the message names the file and what to do. */
export class EmulatorStateError extends Error {
  readonly file: string;
  constructor(file: string, why: string) {
    super(
      `the sandbox org's state file ${file} ${why}. Move it aside (or delete its folder) to start the demo org afresh.`,
    );
    this.name = 'EmulatorStateError';
    this.file = file;
  }
}

/** The saved state, or undefined when there is no file yet. */
export function readStateFile(file: string): EmulatorState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EmulatorStateError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EmulatorStateError(file, 'is not valid JSON');
  }
  if (!Value.Check(EmulatorStateSchema, parsed)) {
    const first = Value.Errors(EmulatorStateSchema, parsed).First();
    throw new EmulatorStateError(file, `is not a saved org (${first?.path || '/'}: ${first?.message ?? 'invalid'})`);
  }
  return parsed;
}

/** Replaces the file atomically; readable by the owner only (it holds the connected app's secret). */
export function writeStateFile(file: string, state: EmulatorState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}
