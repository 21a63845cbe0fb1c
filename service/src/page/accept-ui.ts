// The one script behind AcceptUI on our pages (billing, the deposit step): the name of the global
// function AcceptUI calls with its answer, and the script served with a content hash in its path.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Asset } from './assets.ts';

/** The global function AcceptUI calls with its answer (assets/accept-ui.js defines it). */
export const ACCEPT_RESPONSE_HANDLER = 'slotwiseAcceptResponse';

/** assets/accept-ui.js, served as `<stem>.<hash>.js` (each page keeps its own asset path). */
export function loadAcceptUiScript(stem: string): Asset {
  const body = readFileSync(join(import.meta.dirname, 'assets', 'accept-ui.js'));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `${stem}.${hash}.js`, contentType: 'text/javascript; charset=utf-8', body };
}
