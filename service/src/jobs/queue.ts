import { PgBoss, fromPglite, type Job } from 'pg-boss';
import type { OpenedStore } from '../store/open.ts';

/** Which jobs of one queue may coexist, per singleton key (pg-boss's queue policies). */
export type QueuePolicy =
  | 'standard' // any number
  | 'short' // one waiting, any number running
  | 'singleton' // one running, any number waiting
  | 'stately' // one waiting and one running
  | 'exclusive'; // one waiting or running

export interface QueueOptions {
  policy?: QueuePolicy;
  /** Attempts after the first; retries wait `retryDelaySeconds`, doubling with jitter when `retryBackoff`. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A job running longer than this is presumed lost with its worker and retried. */
  expireInSeconds?: number;
  /** How many jobs of this queue one instance runs at once. */
  concurrency?: number;
}

export interface SendOptions {
  runAt?: Date;
  singletonKey?: string;
}

export interface JobContext {
  id: string;
  /** 0 on the first attempt. */
  retryCount: number;
  /** Aborted when the service stops before the handler finished; the job is then retried. */
  signal: AbortSignal;
}

export type JobHandler<T> = (data: T, job: JobContext) => Promise<void>;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

interface Definition {
  handler: JobHandler<never>;
  options: QueueOptions;
}

const DEFAULTS = { retryLimit: 5, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 900, concurrency: 1 };

/**
 * How often an idle worker looks for jobs whose time has come. NOTIFY only fires for a job that is
 * runnable when sent, so a `runAt` job or a retry waits for this poll; pg-boss's default while NOTIFY
 * is active is 30 s, which would make a 1 s retry delay a 30 s one.
 */
const POLL_SECONDS = 2;

/**
 * The durable job queue features use: pg-boss in the service's own store (schema `pgboss`).
 * Handlers are defined while the app is built; `start` creates their queues and begins working.
 */
export class JobQueue {
  readonly #definitions = new Map<string, Definition>();
  #boss: PgBoss | undefined;

  define<T extends object>(name: string, handler: JobHandler<T>, options: QueueOptions = {}): void {
    if (this.#boss) throw new Error(`job queue ${name} must be defined before the queue starts`);
    if (this.#definitions.has(name)) throw new Error(`job queue ${name} is defined twice`);
    this.#definitions.set(name, { handler: handler as JobHandler<never>, options });
  }

  get started(): boolean {
    return this.#boss !== undefined;
  }

  async start(store: OpenedStore, onError: (error: Error) => void): Promise<void> {
    const boss = new PgBoss({
      ...connection(store),
      schema: 'pgboss',
      useListenNotify: true,
      openTelemetry: { enabled: false },
    });
    boss.on('error', onError);
    await boss.start();
    try {
      for (const [name, { handler, options }] of this.#definitions) {
        const settings = { ...DEFAULTS, ...options };
        await boss.createQueue(name, {
          policy: settings.policy ?? 'standard',
          retryLimit: settings.retryLimit,
          retryDelay: settings.retryDelaySeconds,
          retryBackoff: settings.retryBackoff,
          expireInSeconds: settings.expireInSeconds,
          notify: true,
        });
        for (let worker = 0; worker < settings.concurrency; worker++) {
          await this.#startWorker(boss, name, handler);
        }
      }
    } catch (error) {
      await boss.stop({ graceful: false });
      throw error;
    }
    this.#boss = boss;
  }

  /**
   * One worker takes one job at a time. After a job it asks for the next at once: pg-boss would
   * otherwise wait a poll between jobs, and a backlog would drain at one job a worker a poll.
   */
  async #startWorker(boss: PgBoss, name: string, handler: JobHandler<never>): Promise<void> {
    // Filled in when work() returns; a job cannot finish before its worker exists.
    const worker: { id?: string } = {};
    worker.id = await boss.work<object>(
      name,
      { batchSize: 1, notifyPollingIntervalSeconds: POLL_SECONDS },
      async ([job]: Job<object>[]) => {
        try {
          await handler(job!.data as never, { id: job!.id, retryCount: job!.retryCount, signal: job!.signal });
        } finally {
          if (worker.id) boss.notifyWorker(worker.id);
        }
      },
    );
  }

  /** Returns the job id, or null when the queue's policy already holds a job for this singleton key. */
  async send<T extends object>(name: string, data: T, options: SendOptions = {}): Promise<string | null> {
    return this.#running().send(name, data, {
      ...(options.runAt ? { startAfter: options.runAt } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    });
  }

  /** Cancels a job that has not finished; returns whether there was one to cancel. */
  async cancel(name: string, id: string): Promise<boolean> {
    // pg-boss returns { affected } here but types the result as an empty interface.
    const result = (await this.#running().cancel(name, id)) as { affected?: number };
    return (result.affected ?? 0) > 0;
  }

  async state(name: string, id: string): Promise<JobState | undefined> {
    const job = await this.#running().getJobById(name, id);
    return job?.state;
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for running handlers. A handler still running then
   * is aborted and its job failed, which sends it back for retry: nothing in flight is lost.
   */
  async stop(timeoutMs: number): Promise<void> {
    const boss = this.#boss;
    this.#boss = undefined;
    await boss?.stop({ graceful: true, timeout: timeoutMs, close: true });
  }

  #running(): PgBoss {
    if (!this.#boss) throw new Error('the job queue is not running');
    return this.#boss;
  }
}

function connection(store: OpenedStore) {
  if (store.backend === 'pglite') return { db: fromPglite(store.pglite), backend: 'pglite' as const };
  return { connectionString: store.connectionString, max: 4 };
}
