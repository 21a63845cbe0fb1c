// The Twilio stand-in: the part of Twilio's REST API the service uses (Messages create, fetch and
// list, form-encoded, Basic auth), with Twilio's JSON shapes and error codes, injected faults, and
// signed status callbacks sent back to the service. Tests use it in-process; the sandbox shows its
// page of messages "sent".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { segmentInfo, MAX_BODY_CHARACTERS } from '../template.ts';
import { callbackParams, postCallback, progression, type CallbackDelivery, type Outcome } from './callbacks.ts';
import { errorBody, type TwilioErrorCode } from './errors.ts';
import { FaultQueue } from './faults.ts';
import { API_VERSION, messageJson, newSid, type MessageStatus, type StandInMessage } from './messages.ts';
import { messagesPage } from './page.ts';

const MAX_BODY_BYTES = 64 * 1024;
const E164 = /^\+[1-9]\d{6,14}$/;

export interface TwilioStandInOptions {
  accountSid?: string;
  authToken?: string;
  /** API keys (SK…) accepted besides the auth token. */
  apiKeys?: { sid: string; secret: string }[];
  host?: string;
  port?: number;
  /** Time between one status and the next (and its callback). */
  statusStepMs?: number;
  /** Send each message's callbacks newest status first, as Twilio may. */
  outOfOrderCallbacks?: boolean;
  /** The number a Messaging Service sends from. */
  serviceNumber?: string;
  now?: () => Date;
}

/** One API request as it arrived, for contract tests. */
export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  /** Form fields (POST) or query parameters (GET), in the order sent. */
  params: [string, string][];
}

class ApiError extends Error {
  readonly status: number;
  readonly code: TwilioErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: TwilioErrorCode, headers: Record<string, string> = {}) {
    super(String(code));
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export class TwilioStandIn {
  readonly accountSid: string;
  readonly authToken: string;
  readonly faults = new FaultQueue();
  readonly requests: RecordedRequest[] = [];
  readonly callbacks: CallbackDelivery[] = [];
  readonly #apiKeys: Map<string, string>;
  readonly #options: TwilioStandInOptions;
  readonly #now: () => Date;
  readonly #messages: StandInMessage[] = [];
  readonly #optedOut = new Set<string>();
  readonly #rejected = new Map<string, 21211 | 21614>();
  readonly #outcomes = new Map<string, Outcome>();
  readonly #pending = new Set<Promise<void>>();
  readonly #server: Server;
  #closing = new AbortController();
  #url: string | undefined;

  constructor(options: TwilioStandInOptions = {}) {
    this.#options = options;
    this.accountSid = options.accountSid ?? 'AC' + '0'.repeat(31) + '1';
    this.authToken = options.authToken ?? 'standin-auth-token';
    this.#apiKeys = new Map((options.apiKeys ?? []).map((key) => [key.sid, key.secret]));
    this.#now = options.now ?? (() => new Date());
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Listens (127.0.0.1, a free port unless given) and returns the base URL to give the client. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', resolve);
    });
    const { address, port } = this.#server.address() as AddressInfo;
    this.#url = `http://${address}:${port}`;
    return this.#url;
  }

  get url(): string {
    if (!this.#url) throw new Error('the Twilio stand-in is not started');
    return this.#url;
  }

  /** Stops pending callbacks and the server. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.allSettled([...this.#pending]);
  }

  /** Resolves once every scheduled status change and callback so far has happened. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  /** The recipient replied STOP: creates to it fail with 21610. */
  optOut(number: string): void {
    this.#optedOut.add(number);
  }

  /** Creates to `number` fail as Twilio does for a number it cannot send to. */
  rejectNumber(number: string, code: 21211 | 21614): void {
    this.#rejected.set(number, code);
  }

  /** How messages to `number` end (default: delivered). */
  setOutcome(number: string, outcome: Outcome): void {
    this.#outcomes.set(number, outcome);
  }

  messages(): readonly StandInMessage[] {
    return this.#messages;
  }

  /** How many messages were accepted for `number`. */
  countTo(number: string): number {
    return this.#messages.filter((m) => m.to === number).length;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://standin');
      const raw = await readBody(req);
      if (req.method === 'GET' && url.pathname === '/') {
        return send(res, 200, messagesPage(this.#messages), 'text/html; charset=utf-8');
      }
      if (req.method === 'GET' && url.pathname === '/_standin/messages.json') {
        return sendJson(res, 200, { messages: this.#messages.map(messageJson) });
      }
      const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(url.pathname);
      if (!route) throw new ApiError(404, 20404);
      const params = req.method === 'POST' ? [...new URLSearchParams(raw)] : [...url.searchParams];
      this.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        contentType: req.headers['content-type'],
        params,
      });
      this.#authenticate(req, route[1]!);
      if (req.method === 'POST' && !route[2]) return await this.#create(res, new Map(params));
      if (req.method === 'GET' && route[2]) return sendJson(res, 200, messageJson(this.#find(route[2])));
      if (req.method === 'GET') return sendJson(res, 200, this.#list(url));
      throw new ApiError(405, 20404);
    } catch (error) {
      if (error instanceof ApiError)
        return sendJson(res, error.status, errorBody(error.status, error.code), error.headers);
      sendJson(res, 500, errorBody(500, 20500));
    }
  }

  #authenticate(req: IncomingMessage, pathAccountSid: string): void {
    const header = req.headers.authorization ?? '';
    const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    const [user, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const valid =
      colon > 0 && (user === this.accountSid ? secret === this.authToken : this.#apiKeys.get(user) === secret);
    if (!valid) throw new ApiError(401, 20003);
    if (pathAccountSid !== this.accountSid) throw new ApiError(404, 20404);
  }

  async #create(res: ServerResponse, form: Map<string, string>): Promise<void> {
    const fault = this.faults.next();
    if (fault?.kind === 'rate_limited') throw new ApiError(429, 20429, { 'retry-after': fault.retryAfter ?? '1' });
    if (fault?.kind === 'server_error') throw new ApiError(500, 20500);
    const message = this.#accept(form);
    if (fault?.kind === 'slow') await delay(fault.delayMs, undefined, { signal: this.#closing.signal }).catch(() => {});
    sendJson(res, 201, messageJson(message));
  }

  #accept(form: Map<string, string>): StandInMessage {
    const to = form.get('To');
    const from = form.get('From') ?? null;
    const serviceSid = form.get('MessagingServiceSid') ?? null;
    const body = form.get('Body');
    const validity = form.get('ValidityPeriod');
    if (!to) throw new ApiError(400, 21604);
    if (!from && !serviceSid) throw new ApiError(400, 21603);
    if (!body) throw new ApiError(400, 21602);
    if ([...body].length > MAX_BODY_CHARACTERS) throw new ApiError(400, 21617);
    if (validity !== undefined && !(/^\d+$/.test(validity) && Number(validity) >= 1 && Number(validity) <= 36_000)) {
      throw new ApiError(400, 21624);
    }
    if (!E164.test(to)) throw new ApiError(400, 21211);
    const rejected = this.#rejected.get(to);
    if (rejected) throw new ApiError(400, rejected);
    if (this.#optedOut.has(to)) throw new ApiError(400, 21610);
    const now = this.#now();
    // A Messaging Service picks the sender later, so Twilio reports 0 segments until then.
    const viaService = !from;
    const message: StandInMessage = {
      sid: newSid('SM'),
      accountSid: this.accountSid,
      to,
      from,
      messagingServiceSid: serviceSid,
      body,
      status: viaService ? 'accepted' : 'queued',
      errorCode: null,
      errorMessage: null,
      numSegments: viaService ? 0 : segmentInfo(body).segments,
      validityPeriod: validity === undefined ? null : Number(validity),
      statusCallback: form.get('StatusCallback') ?? null,
      dateCreated: now,
      dateSent: null,
      dateUpdated: now,
    };
    this.#messages.push(message);
    this.#track(this.#progress(message));
    return message;
  }

  async #progress(message: StandInMessage): Promise<void> {
    const outcome = this.#outcomes.get(message.to) ?? { status: 'delivered' };
    const steps = progression(message.status, outcome);
    const stepMs = this.#options.statusStepMs ?? 20;
    const snapshots: { status: MessageStatus; params: Record<string, string> }[] = [];
    for (const status of steps) {
      try {
        await delay(stepMs, undefined, { signal: this.#closing.signal });
      } catch {
        return;
      }
      this.#apply(message, status, outcome);
      snapshots.push({ status, params: callbackParams(message, status) });
      if (!this.#options.outOfOrderCallbacks) await this.#callback(message, snapshots.pop()!);
    }
    for (const snapshot of snapshots.reverse()) await this.#callback(message, snapshot);
  }

  #apply(message: StandInMessage, status: MessageStatus, outcome: Outcome): void {
    const now = this.#now();
    message.status = status;
    message.dateUpdated = now;
    if (status === 'queued' && message.messagingServiceSid && !message.from) {
      message.from = this.#options.serviceNumber ?? '+15005550006';
      message.numSegments = segmentInfo(message.body).segments;
    }
    if (status === 'sent') message.dateSent = now;
    if ((status === 'failed' || status === 'undelivered') && outcome.status !== 'delivered') {
      message.errorCode = outcome.errorCode;
      message.errorMessage = errorBody(400, outcome.errorCode).message;
    }
  }

  async #callback(message: StandInMessage, snapshot: { status: MessageStatus; params: Record<string, string> }) {
    if (!message.statusCallback || this.#closing.signal.aborted) return;
    const result = await postCallback(message.statusCallback, snapshot.params, this.authToken, 5_000);
    this.callbacks.push({ sid: message.sid, status: snapshot.status, url: message.statusCallback, result });
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  #find(sid: string): StandInMessage {
    const message = this.#messages.find((m) => m.sid === sid);
    if (!message) throw new ApiError(404, 20404);
    return message;
  }

  /** Filters To, From, DateSent / DateSent< / DateSent> (a date or a date-time, GMT); newest first; Page and PageSize. */
  #list(url: URL): Record<string, unknown> {
    const q = url.searchParams;
    const day = (value: string) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    const onDay = q.get('DateSent');
    const before = q.get('DateSent<');
    const after = q.get('DateSent>');
    const matching = [...this.#messages].reverse().filter((m) => {
      if (q.has('To') && m.to !== q.get('To')) return false;
      if (q.has('From') && m.from !== q.get('From')) return false;
      if (onDay && m.dateSent?.toISOString().slice(0, 10) !== onDay.slice(0, 10)) return false;
      if (before && !(m.dateSent && m.dateSent <= day(before))) return false;
      if (after && !(m.dateSent && m.dateSent >= day(after))) return false;
      return true;
    });
    const pageSize = Math.min(Math.max(Number(q.get('PageSize') ?? 50) || 50, 1), 1000);
    const page = Math.max(Number(q.get('Page') ?? 0) || 0, 0);
    const start = page * pageSize;
    const slice = matching.slice(start, start + pageSize);
    const base = `/${API_VERSION}/Accounts/${this.accountSid}/Messages.json`;
    const pageUri = (n: number) => {
      const params = new URLSearchParams(q);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(n));
      return `${base}?${params.toString()}`;
    };
    return {
      messages: slice.map(messageJson),
      page,
      page_size: pageSize,
      start,
      end: start + Math.max(slice.length - 1, 0),
      uri: pageUri(page),
      first_page_uri: pageUri(0),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
