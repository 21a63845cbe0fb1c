/** What the stand-in does instead of (or before) answering a create request normally. */
export type Fault =
  /** 429 with Twilio code 20429 and a Retry-After header (seconds, or an HTTP date). */
  | { kind: 'rate_limited'; retryAfter?: string }
  /** 500 with code 20500. */
  | { kind: 'server_error' }
  /** The message is created, then the answer waits `delayMs`: a client timeout leaves a real message behind. */
  | { kind: 'slow'; delayMs: number };

/** Faults for the next create requests, in order. */
export class FaultQueue {
  readonly #queue: Fault[] = [];

  add(fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.#queue.push(fault);
  }

  next(): Fault | undefined {
    return this.#queue.shift();
  }

  clear(): void {
    this.#queue.length = 0;
  }
}
