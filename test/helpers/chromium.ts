// Browser tests drive Debian's Chromium, never a downloaded browser. Without it they skip with the
// reason, except under .ci/run (SLOTWISE_REQUIRE_CHROMIUM=1), where a missing browser is a failure.
import { existsSync } from 'node:fs';
import type { Test } from 'tap';

export const CHROMIUM = '/usr/bin/chromium';

/** True when the browser test can run; otherwise reports a skip (or, in CI, a failure) on `t`. */
export function chromiumAvailable(t: Test, name: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `${CHROMIUM} is missing: install Debian's chromium to run the browser tests`;
  if (process.env.SLOTWISE_REQUIRE_CHROMIUM === '1') t.fail(reason);
  else t.test(name, { skip: reason }, async () => {});
  return false;
}
