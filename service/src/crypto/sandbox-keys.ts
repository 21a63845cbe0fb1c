import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatMasterKeys, generateMasterKey, parseMasterKeys, type MasterKey } from './key-provider.ts';

/**
 * Sandbox mode has no ENCRYPTION_KEYS: a master key is made at first start and kept beside the data
 * it protects, readable by the owner only. Fine for a demo on one machine, and only for that.
 */
export function sandboxMasterKeys(dataDir: string): MasterKey[] {
  const file = join(dataDir, 'sandbox-encryption-keys');
  if (existsSync(file)) return parseMasterKeys(readFileSync(file, 'utf8').trim());
  const keys = [generateMasterKey('sandbox-1')];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${formatMasterKeys(keys)}\n`, { mode: 0o600, flag: 'wx' });
  return keys;
}
