// The pages' script and stylesheet, read once and served under content-hashed names so browsers
// may cache them for a year: a new version is a new address.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Asset {
  /** The address pages link to, e.g. '/assets/booking.3f9a1c2b7d.js'. */
  path: string;
  contentType: string;
  body: Buffer;
}

function load(file: string, contentType: string): Asset {
  const body = readFileSync(join(import.meta.dirname, 'assets', file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const [name, extension] = file.split('.') as [string, string];
  return { path: `/assets/${name}.${hash}.${extension}`, contentType, body };
}

export interface PageAssets {
  script: Asset;
  stylesheet: Asset;
}

export function loadPageAssets(): PageAssets {
  return {
    script: load('booking.js', 'text/javascript; charset=utf-8'),
    stylesheet: load('booking.css', 'text/css; charset=utf-8'),
  };
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
