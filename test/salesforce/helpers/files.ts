// File listing and problem reporting shared by the Salesforce metadata checks.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One thing wrong, at a place a person can open: `file:line: message`. */
export type Problem = { file: string; line: number; message: string };

export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

/** Every file under dir (recursively, sorted) that accept keeps; [] when dir does not exist. */
export function listFiles(dir: string, accept: (path: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...listFiles(path, accept));
    else if (accept(path)) found.push(path);
  }
  return found;
}

/** Sub-directories of dir (names, sorted); [] when dir does not exist. */
export function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort();
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** 1-based line number of a character offset in text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A path for messages: relative to base, with forward slashes. */
export function displayPath(path: string, base: string): string {
  return relative(base, path).split(sep).join('/');
}
