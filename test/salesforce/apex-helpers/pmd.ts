/**
 * PMD 7's Apex security rules (category/apex/security.xml), run through the PmdWrapper main class that
 * @salesforce/code-analyzer-pmd-engine ships for its own use (the package has no PMD CLI jar):
 *
 *   java -cp "<java-lib>/*" com.salesforce.sfca.pmdwrapper.PmdWrapper run <input.json> <results.json>
 *
 * input.json: {"ruleSetInputFile": "<ruleset.xml>", "runDataPerLanguage": {"apex": {"filesToScan": [...]}}}
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runJava } from './java.ts';

export const SECURITY_RULESET = 'category/apex/security.xml';

export interface PmdViolation {
  rule: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

export interface PmdResult {
  violations: PmdViolation[];
  processingErrors: { file: string; message: string }[];
}

interface WrapperResults {
  violations: {
    rule: string;
    message: string;
    codeLocation: { file: string; startLine: number; startCol: number };
  }[];
  processingErrors: { file: string; message: string }[];
}

/** Runs the ruleset once over all files (PMD's start-up is the expensive part). */
export async function runPmd(files: string[], ruleset = SECURITY_RULESET): Promise<PmdResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'slotwise-pmd-'));
  try {
    const rulesetFile = path.join(work, 'ruleset.xml');
    await writeFile(
      rulesetFile,
      `<?xml version="1.0" encoding="UTF-8"?>
<ruleset name="Slotwise Apex security" xmlns="http://pmd.sourceforge.net/ruleset/2.0.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://pmd.sourceforge.net/ruleset/2.0.0 https://pmd.sourceforge.io/ruleset_2_0_0.xsd">
  <description>Every rule of ${ruleset}</description>
  <rule ref="${ruleset}" />
</ruleset>
`,
    );
    const input = path.join(work, 'input.json');
    const output = path.join(work, 'results.json');
    await writeFile(
      input,
      JSON.stringify({ ruleSetInputFile: rulesetFile, runDataPerLanguage: { apex: { filesToScan: files } } }),
    );
    const result = await runJava('com.salesforce.sfca.pmdwrapper.PmdWrapper', ['run', input, output], work);
    if (result.code !== 0) {
      throw new Error(`PMD exited with ${result.code}: ${result.stderr || result.stdout}`);
    }
    const raw = JSON.parse(await readFile(output, 'utf8')) as WrapperResults;
    return {
      violations: raw.violations.map((v) => ({
        rule: v.rule,
        message: v.message,
        file: v.codeLocation.file,
        line: v.codeLocation.startLine,
        column: v.codeLocation.startCol,
      })),
      processingErrors: raw.processingErrors.map((e) => ({ file: e.file, message: e.message.split('\n')[0] ?? '' })),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatViolation(v: PmdViolation, root: string): string {
  return `${path.relative(root, v.file)}:${v.line}:${v.column} ${v.rule}: ${v.message}`;
}
