// What the sandbox tests that start the real server share.
import type { Test } from 'tap';
import { openStore, type StoreConfig } from '../../service/src/store/open.ts';
import { waitFor, type ServerProcess } from '../helpers/process.ts';

export const EMULATOR_ORG_ID = '00D5g00000EmuLAEAZ';
/** Opening and migrating the embedded store can take a while on a busy machine. */
export const STARTUP_MS = 90_000;

export function environment(store: StoreConfig, orgPort: number): Record<string, string> {
  return {
    DATA_DIR: store.dataDir,
    SANDBOX_ORG_PORT: String(orgPort),
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
  };
}

export function waitForLine(server: ServerProcess, pattern: RegExp): Promise<string> {
  return waitFor(`a log line matching ${pattern}`, async () => pattern.exec(server.output())?.[0], STARTUP_MS);
}

export async function stop(t: Test, server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'exits cleanly');
}

export type ConnectionRow = { org_id: string; instance_url: string; connected_at: Date; last_sync_at: Date | null };

export async function connections(store: StoreConfig): Promise<ConnectionRow[]> {
  const opened = await openStore(store);
  try {
    return await opened.query<ConnectionRow>(
      'select org_id, instance_url, connected_at, last_sync_at from org_connection order by org_id',
    );
  } finally {
    await opened.close();
  }
}
