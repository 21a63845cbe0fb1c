import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobQueue } from '../../service/src/jobs/queue.ts';
import { migrate, MIGRATIONS_DIR } from '../../service/src/store/migrate.ts';
import { openPgliteStore } from '../../service/src/store/pglite.ts';

/*
 * Opening a new PGlite folder runs initdb inside WebAssembly (~3 s), then the migrations and
 * pg-boss's schema; copying a folder that went through all of that once takes ~50 ms. So tests seed
 * their data folders from a template, built once per key into os.tmpdir() and shared by every tap
 * worker and every run: the key changes with any migration file, PGlite, pg-boss or TEMPLATE_FORMAT.
 * Run this file with node to build the template ahead of a test run (.ci/run does).
 */

/** Bump when the way the template is built changes, so no stale template is reused. */
const TEMPLATE_FORMAT = 1;
const PREFIX = 'slotwise-pglite-template-';
// Templates of other keys (older migrations) unused this long, and builds a crashed process left, are removed.
const STALE_AFTER_MS = 60 * 60 * 1000;

let known: string | undefined;

/** Copies the template's migrated PGlite folder into `<dataDir>/pglite`, building the template first if needed. */
export function seedPgliteFromTemplate(dataDir: string): void {
  const template = pgliteTemplate();
  cpSync(join(template, 'pglite'), join(dataDir, 'pglite'), { recursive: true });
  // Marks it in use, so a run that moved on to newer migrations does not remove it under this one.
  const now = new Date();
  utimesSync(template, now, now);
}

/** The template folder (holding `pglite`), built in a child process when missing: building is async, seeding is not. */
function pgliteTemplate(): string {
  known ??= templateDir();
  if (!existsSync(known)) {
    try {
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), known], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`building the PGlite template ${known} failed: ${stderr || (error as Error).message}`);
    }
  }
  return known;
}

function templateDir(): string {
  const hash = createHash('sha256').update(`format ${TEMPLATE_FORMAT}\n`);
  hash.update(`pglite ${packageVersion('@electric-sql/pglite')}\npg-boss ${packageVersion('pg-boss')}\n`);
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(`${file}\n`).update(readFileSync(join(MIGRATIONS_DIR, file)));
  }
  return join(tmpdir(), PREFIX + hash.digest('hex').slice(0, 16));
}

/**
 * Builds the template into a private folder and renames it into place: tap's workers may race to
 * build it, and a rename either lands whole or finds the winner's template there already.
 */
async function buildPgliteTemplate(target: string): Promise<void> {
  if (existsSync(target)) return;
  removeStaleTemplates(target);
  const building = mkdtempSync(`${target}.building-`);
  try {
    const store = await openPgliteStore(building);
    try {
      await migrate(store);
      const jobErrors: Error[] = [];
      const jobs = new JobQueue();
      await jobs.start(store, (error) => jobErrors.push(error));
      await jobs.stop(1_000);
      if (jobErrors.length > 0) throw jobErrors[0];
    } finally {
      // Releases the data folder's lock too: the template holds no slotwise.lock.
      await store.close();
    }
    try {
      renameSync(building, target);
    } catch (error) {
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

function removeStaleTemplates(current: string): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(PREFIX) || path === current) continue;
    try {
      if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

/** The installed version of a dependency, found from its entry point (PGlite does not export its package.json). */
function packageVersion(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json for ${name}`);
    dir = dirname(dir);
  }
}

if (import.meta.main) await buildPgliteTemplate(process.argv[2] ?? templateDir());
