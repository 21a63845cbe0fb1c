import type { FastifyBaseLogger } from 'fastify';
import { HttpProblem } from '../problem.ts';
import { migrate } from './migrate.ts';
import { openStore, type OpenedStore, type StoreConfig } from './open.ts';
import { StoreError } from './store.ts';

export type StoreStatus =
  | { state: 'starting' }
  | { state: 'ready' }
  /** `code` is safe to show anyone; `problem` names hosts and folders, so it goes to the log. */
  | { state: 'unavailable'; code: string; problem: string };

/** Work that depends on the store: started once it is open and migrated, stopped before it closes. */
export interface StoreDependent {
  start(store: OpenedStore): Promise<void>;
  stop(): Promise<void>;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Opens the store in the background and keeps trying, so a locked data folder or an unreachable
 * database makes the service report not-ready (with the reason) instead of crash-looping.
 */
export class StoreConnection {
  readonly #config: StoreConfig;
  readonly #log: FastifyBaseLogger;
  readonly #dependents: StoreDependent[] = [];
  #store: OpenedStore | undefined;
  #status: StoreStatus = { state: 'starting' };
  #closing = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt: Promise<void> | undefined;
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;

  constructor(config: StoreConfig, log: FastifyBaseLogger) {
    this.#config = config;
    this.#log = log;
    this.#ready = new Promise((resolve) => (this.#resolveReady = resolve));
  }

  /** Registers work to start after the store opens, in order; it stops in reverse order. */
  use(dependent: StoreDependent): void {
    this.#dependents.push(dependent);
  }

  get status(): StoreStatus {
    return this.#status;
  }

  /** The open store; while it is not, a 503 the client can retry. */
  get store(): OpenedStore {
    if (!this.#store || this.#status.state !== 'ready') {
      throw new HttpProblem(
        503,
        'not_ready',
        'The service is starting or its store is unavailable',
        'Try again shortly.',
      );
    }
    return this.#store;
  }

  /** Resolves once the store is open, migrated and every dependent started. */
  whenReady(): Promise<void> {
    return this.#ready;
  }

  start(): void {
    this.#attempt = this.#connect(RETRY_MIN_MS);
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    await this.#attempt;
    const store = this.#store;
    this.#store = undefined;
    if (!store) return;
    for (const dependent of [...this.#dependents].reverse()) {
      await dependent
        .stop()
        .catch((error: unknown) => this.#log.error({ err: error }, 'stopping a store dependent failed'));
    }
    await store.close();
  }

  async #connect(nextDelayMs: number): Promise<void> {
    let store: OpenedStore | undefined;
    const started: StoreDependent[] = [];
    try {
      store = await openStore(this.#config);
      const applied = await migrate(store);
      if (applied.length > 0) this.#log.info({ migrations: applied }, 'store migrated');
      for (const dependent of this.#dependents) {
        if (this.#closing) break;
        await dependent.start(store);
        started.push(dependent);
      }
      if (this.#closing) throw new Error('closing');
      this.#store = store;
      this.#status = { state: 'ready' };
      this.#log.info({ backend: store.backend }, 'store ready');
      this.#resolveReady();
    } catch (error) {
      for (const dependent of started.reverse()) await dependent.stop().catch(() => {});
      await store?.close().catch(() => {});
      if (this.#closing) return;
      const problem = describe(error);
      if (this.#status.state !== 'unavailable' || this.#status.problem !== problem) {
        this.#log.error({ problem, retryInMs: nextDelayMs }, 'store unavailable');
      }
      this.#status = { state: 'unavailable', code: error instanceof StoreError ? error.code : 'store_failed', problem };
      this.#retryTimer = setTimeout(() => {
        this.#attempt = this.#connect(Math.min(nextDelayMs * 2, RETRY_MAX_MS));
      }, nextDelayMs);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof StoreError) return error.message;
  return `store could not be started: ${error instanceof Error ? error.message : String(error)}`;
}
