// The real APIs' specs (Twilio's OpenAPI, Authorize.Net's XSD) live outside the project and are
// never copied into it. Where to find them: SLOTWISE_SPECS_DIR, else ../shared/specs beside the
// checkout, else the machine's shared folder (a CI clone may sit anywhere).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CANDIDATE_DIRS = [
  process.env.SLOTWISE_SPECS_DIR,
  join(import.meta.dirname, '..', '..', '..', 'shared', 'specs'),
  '/work/shared/specs',
].filter((dir): dir is string => Boolean(dir));

/** The spec's path, or a skip reason naming every place looked in. */
export function findSpec(fileName: string): { path: string; skip: false } | { path: undefined; skip: string } {
  for (const dir of CANDIDATE_DIRS) {
    const path = join(dir, fileName);
    if (existsSync(path)) return { path, skip: false };
  }
  return { path: undefined, skip: `${fileName} is not in ${CANDIDATE_DIRS.join(' or ')} (set SLOTWISE_SPECS_DIR)` };
}
