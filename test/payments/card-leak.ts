// The browser proof's recorder and detector: does any card data reach the service? It records
// everything a payment journey could carry card data to us in (every raw request body and URL the
// server receives, every browser request to our origin, our origin's cookies, localStorage and
// sessionStorage, the server's log), then looks for the card number in any formatting, the expiry
// and the security code. Requests to Authorize.Net's origin (the stand-in) are kept apart: that is
// where the card must go, so finding it there shows the journey really typed the card.
//
// Use: `recorder.install(app)` before the app is ready; `recorder.watch(page, origin)` before the
// journey; `await recorder.captureBrowserState(page, origin)` after it; then `recorder.leaks(card)`
// must be empty, and `recorder.sentTo(authorizeNetOrigin, card)` not.
import { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';

export interface CardDetails {
  /** Digits only, e.g. '4111111111111111'. */
  number: string;
  /** MM/YY as typed, e.g. '11/34'. */
  expiry: string;
  /** The security code, e.g. '731': pick one that is not a common number. */
  cvv: string;
}

/** What was recorded, and where it came from ('server body POST /billing/charge', 'cookie', …). */
export interface Recorded {
  source: string;
  text: string;
}

export interface Leak {
  what: 'number' | 'expiry' | 'cvv';
  source: string;
  /** The matching text, for the failure message. */
  excerpt: string;
}

export class CardLeakRecorder {
  /** Everything that reached our server or our origin's browser state. */
  readonly ours: Recorded[] = [];
  /** Browser requests to every other origin (Authorize.Net's form posts the card there). */
  readonly elsewhere: Recorded[] = [];

  /**
   * Records every request the server receives: method, URL with its query, cookie and referer
   * headers, and the body exactly as it arrived (before any parser saw it). Call before ready.
   */
  install(app: FastifyInstance): void {
    app.addHook('preParsing', async (request, _reply, payload) => {
      const source = `server ${request.method} ${request.url.split('?', 1)[0]}`;
      this.ours.push({ source: `${source} url`, text: request.url });
      for (const header of ['cookie', 'referer'] as const) {
        const value = request.headers[header];
        if (value) this.ours.push({ source: `${source} ${header}`, text: String(value) });
      }
      const chunks: Buffer[] = [];
      const recorder = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          chunks.push(Buffer.from(chunk));
          done(null, chunk);
        },
      });
      recorder.on('finish', () => this.ours.push({ source: `${source} body`, text: Buffer.concat(chunks).toString() }));
      // Fastify checks the body's length against the header as it reads: keep what it measures.
      (recorder as unknown as { receivedEncodedLength?: number }).receivedEncodedLength = 0;
      payload.on('data', (chunk: Buffer) => {
        (recorder as unknown as { receivedEncodedLength: number }).receivedEncodedLength += chunk.length;
      });
      return payload.pipe(recorder);
    });
  }

  /** Records the browser's requests: to `origin` as ours, to anywhere else apart. */
  watch(page: Page, origin: string): void {
    page.on('request', (request) => {
      const url = new URL(request.url());
      const list = url.origin === origin ? this.ours : this.elsewhere;
      const source = `browser ${request.method()} ${url.origin}${url.pathname}`;
      list.push({ source: `${source} url`, text: request.url() });
      const body = request.postData();
      if (body) list.push({ source: `${source} body`, text: body });
      const headers = request.headers();
      for (const header of ['cookie', 'referer']) {
        if (headers[header]) list.push({ source: `${source} ${header}`, text: headers[header]! });
      }
    });
  }

  /** Our origin's cookies, localStorage and sessionStorage as the page left them. */
  async captureBrowserState(page: Page, origin: string): Promise<void> {
    for (const cookie of await page.context().cookies(origin)) {
      this.ours.push({ source: `cookie ${cookie.name}`, text: `${cookie.name}=${cookie.value}` });
    }
    if (new URL(page.url()).origin !== origin) throw new Error(`the page is not on ${origin}: ${page.url()}`);
    const storage = await page.evaluate(() => ({
      local: JSON.stringify(Object.entries(localStorage)),
      session: JSON.stringify(Object.entries(sessionStorage)),
    }));
    this.ours.push({ source: 'localStorage', text: storage.local });
    this.ours.push({ source: 'sessionStorage', text: storage.session });
  }

  /** Forgets what was recorded, for the next journey on the same server. */
  reset(): void {
    this.ours.length = 0;
    this.elsewhere.length = 0;
  }

  /** Lines the server logged, so a leak through the log is caught too. */
  addLog(lines: readonly string[]): void {
    for (const line of lines) this.ours.push({ source: 'server log', text: line });
  }

  /** Card data found in what reached us. */
  leaks(card: CardDetails): Leak[] {
    return findCardData(this.ours, card);
  }

  /** Card data found in browser requests to `origin` (where the hosted form sends it). */
  sentTo(origin: string, card: CardDetails): Leak[] {
    return findCardData(
      this.elsewhere.filter((record) => record.source.includes(` ${origin}/`)),
      card,
    );
  }
}

/** The card's number in any formatting, its expiry and its security code, in `records`. */
export function findCardData(records: readonly Recorded[], card: CardDetails): Leak[] {
  const patterns = cardPatterns(card);
  const leaks: Leak[] = [];
  for (const record of records) {
    for (const text of readings(record.text)) {
      for (const [what, pattern] of patterns) {
        const match = pattern.exec(text);
        if (match && !leaks.some((leak) => leak.what === what && leak.source === record.source)) {
          leaks.push({ what, source: record.source, excerpt: match[0] });
        }
      }
    }
  }
  return leaks;
}

/**
 * The patterns: the number's digits with any separators between them (spaces, dashes, dots,
 * slashes, up to three of them); the expiry as MM/YY, MMYY, MM-YYYY, YYYY-MM…; the security code
 * as a number on its own (not inside a longer run of letters or digits).
 */
export function cardPatterns(card: CardDetails): [Leak['what'], RegExp][] {
  const digits = card.number.replace(/\D/g, '');
  const number = new RegExp(digits.split('').join('[^0-9A-Za-z]{0,3}'));
  const [month, year] = card.expiry.split(/\D+/) as [string, string];
  const yy = year.slice(-2);
  const sep = '[\\s/.\\-]{0,3}';
  const expiry = new RegExp(`(?<![0-9])(?:${month}${sep}(?:20)?${yy}|(?:20)?${yy}${sep}${month})(?![0-9])`);
  const cvv = new RegExp(`(?<![0-9A-Za-z])${card.cvv}(?![0-9A-Za-z])`);
  return [
    ['number', number],
    ['expiry', expiry],
    ['cvv', cvv],
  ];
}

/** The text as recorded, URL-decoded (form bodies, query strings), and with JSON escapes undone. */
function readings(text: string): string[] {
  const out = [text];
  try {
    out.push(decodeURIComponent(text.replace(/\+/g, ' ')));
  } catch {
    // Not URL-encoded: the raw reading is enough.
  }
  out.push(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
  return out;
}
