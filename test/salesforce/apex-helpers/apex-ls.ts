/**
 * apex-ls's offline semantic check (the same engine as the Apex language server): unknown types, fields and
 * methods, wrong argument types, reserved identifiers. Runs over a whole SFDX workspace, objects included.
 *
 *   java -cp "<java-lib>/*" io.github.apexdevtools.apexls.CheckForIssues -w <workspace> -f json -n -d warnings
 */
import path from 'node:path';
import { runJava } from './java.ts';

export interface ApexLsIssue {
  file: string;
  line: number;
  column: number;
  category: string;
  message: string;
}

interface ApexLsReport {
  files: { path: string; messages: { start: { line: number; offset: number }; category: string; message: string }[] }[];
}

export async function runApexLs(workspace: string): Promise<ApexLsIssue[]> {
  // -n: no cache in the home folder, so every run sees the files as they are now.
  const result = await runJava(
    'io.github.apexdevtools.apexls.CheckForIssues',
    ['-w', workspace, '-f', 'json', '-n', '-d', 'warnings'],
    workspace,
  );
  // 0: no issues, 4: issues reported; anything else is the checker failing.
  if (result.code !== 0 && result.code !== 4) {
    throw new Error(`apex-ls exited with ${result.code}: ${result.stderr || result.stdout}`);
  }
  const report = JSON.parse(result.stdout) as ApexLsReport;
  return report.files.flatMap((file) =>
    file.messages.map((m) => ({
      file: path.relative(workspace, file.path) || file.path,
      line: m.start.line,
      column: m.start.offset,
      category: m.category,
      message: m.message,
    })),
  );
}

/** Issues that fail the build: everything in Apex, and errors (not warnings) in other metadata. */
export function blockingIssues(issues: ApexLsIssue[]): ApexLsIssue[] {
  return issues.filter((i) => /\.(cls|trigger)$/.test(i.file) || !['Warning', 'Unused'].includes(i.category));
}

export function formatIssue(i: ApexLsIssue): string {
  return `${i.file}:${i.line}:${i.column} [${i.category}] ${i.message}`;
}
