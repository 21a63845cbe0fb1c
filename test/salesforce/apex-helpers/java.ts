/**
 * Running the Java tools bundled in @salesforce/code-analyzer-pmd-engine (PMD 7 and apex-ls) without
 * network or installation: `java -cp "<java-lib>/*" <main class> ...`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The folder of jars shipped with the PMD engine package (PMD, apex-ls, their dependencies). */
export const JAVA_LIB = path.join(
  path.dirname(require.resolve('@salesforce/code-analyzer-pmd-engine/package.json')),
  'dist',
  'java-lib',
);

export interface JavaCheck {
  available: boolean;
  reason: string;
}

/** Whether `java` runs; checked once per process. */
let cached: JavaCheck | undefined;
export function javaStatus(): JavaCheck {
  if (!cached) {
    const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
    cached =
      probe.status === 0
        ? { available: true, reason: '' }
        : { available: false, reason: `java is not available (${probe.error?.message ?? probe.stderr.trim()})` };
  }
  return cached;
}

/** CI sets SLOTWISE_REQUIRE_JAVA=1 so that a missing JVM fails the run instead of skipping checks. */
export const javaRequired = process.env.SLOTWISE_REQUIRE_JAVA === '1';

export interface JavaResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runJava(mainClass: string, args: string[], cwd: string): Promise<JavaResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'java',
      ['-cp', path.join(JAVA_LIB, '*'), mainClass, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
