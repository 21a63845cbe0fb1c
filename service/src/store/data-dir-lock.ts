import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { StoreError } from './store.ts';

export interface DataDirLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  /** When the owning process started: tells a live owner from a new process that reuses its pid. */
  started: number;
}

/**
 * PGlite does not guard its folder: two processes opening it would corrupt it. The lock file is
 * written whole to a private name and linked into place, so it either exists complete or not at all.
 * A lock left by a process that died on this host is taken over; any other is refused.
 */
export function lockDataDir(dir: string): DataDirLock {
  const lockPath = join(dir, 'slotwise.lock');
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: Math.round(performance.timeOrigin) };
  const draft = `${lockPath}.${process.pid}.${Date.now()}`;
  writeFileSync(draft, JSON.stringify(owner), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(draft, lockPath);
        return { release: () => rmSync(lockPath, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readOwner(lockPath);
      if (holder && isStale(holder)) {
        unlinkSync(lockPath);
        continue;
      }
      const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
      throw new StoreError(
        'store_locked',
        `data folder ${dir} is in use by ${who}; stop it, or set DATA_DIR to another folder`,
      );
    }
    throw new StoreError('store_locked', `data folder ${dir} could not be locked`);
  } finally {
    rmSync(draft, { force: true });
  }
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.started === 'number') {
      return { pid: parsed.pid, host: parsed.host, started: parsed.started };
    }
  } catch {
    // An unreadable lock is treated as held: refusing is safe, guessing is not.
  }
  return undefined;
}

function isStale(holder: LockOwner): boolean {
  if (holder.host !== hostname()) return false;
  // In a restarted container the new process may get the dead one's pid.
  if (holder.pid === process.pid) return holder.started !== Math.round(performance.timeOrigin);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
