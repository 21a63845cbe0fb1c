/** Paths of the SFDX project, and throwaway copies of it for checks that must see a broken tree. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const FORCE_APP = path.join(ROOT, 'force-app');
/** force-app/main/default */
export const SOURCE = path.join(FORCE_APP, 'main', 'default');
export const CLASSES = path.join(SOURCE, 'classes');
export const ORG_API = path.join(ROOT, 'docs', 'org-api.yaml');

/** A copy of sfdx-project.json, .forceignore and force-app/main (what apex-ls and PMD read). */
export async function copyWorkspace(): Promise<{ dir: string; classes: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slotwise-apex-'));
  await cp(path.join(ROOT, 'sfdx-project.json'), path.join(dir, 'sfdx-project.json'));
  await cp(path.join(ROOT, '.forceignore'), path.join(dir, '.forceignore')).catch(() => undefined);
  await cp(path.join(FORCE_APP, 'main'), path.join(dir, 'force-app', 'main'), { recursive: true });
  return {
    dir,
    classes: path.join(dir, 'force-app', 'main', 'default', 'classes'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Replaces exactly one occurrence of `from` in a file; throws when it is missing, so a stale edit is loud. */
export async function editOnce(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const count =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
  if (count !== 1) throw new Error(`expected one match of ${String(from)} in ${file}, found ${count}`);
  await writeFile(file, text.replace(from, to));
}
