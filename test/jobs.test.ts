import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { JobQueue, type JobContext, type JobState, type SendOptions } from '../service/src/jobs/queue.ts';
import type { OpenedStore } from '../service/src/store/open.ts';
import { BACKENDS, freshStore } from './helpers/backends.ts';

/** How long a test waits for something the queue should do; generous, since only failures hit it. */
const DEADLINE_MS = 15_000;
const STOP_MS = 10_000;

interface Payload {
  label: string;
}

/** One call of a handler, as the handler saw it. */
interface Run {
  id: string;
  retryCount: number;
  data: Payload;
  /** Date.now() when the handler was entered. */
  at: number;
}

function record(runs: Run[], data: Payload, job: JobContext): Run {
  const run = { id: job.id, retryCount: job.retryCount, data, at: Date.now() };
  runs.push(run);
  return run;
}

/** Polls `check` until it holds; throws, failing the test, if it has not by the deadline. */
async function waitFor(what: string | (() => string), check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${DEADLINE_MS} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await sleep(50);
  }
}

async function waitForState(queue: JobQueue, name: string, id: string, expected: JobState): Promise<void> {
  let last: JobState | undefined;
  await waitFor(
    () => `job ${id} of ${name} to be ${expected} (last seen: ${last ?? 'no such job'})`,
    async () => (last = await queue.state(name, id)) === expected,
  );
}

/**
 * Fails `t` on an error the queue reports, except PostgreSQL's "terminating connection due to
 * administrator command" (57P01). The test database is dropped WITH (FORCE) as soon as the store
 * closes, and a connection pg-boss's pool has just ended can still be going away then: it hears that
 * from the server after its queue stopped, which is no fault of the queue.
 */
function failOnQueueError(t: Test) {
  return (error: Error) => {
    if ((error as { code?: string }).code === '57P01') return;
    t.error(error, 'the job queue reports no error');
  };
}

/**
 * A started queue with the handlers `define` gives it, stopped when `t` ends: before the store
 * closes, which is a teardown of the enclosing test (tap runs a test's teardowns when it ends, last
 * in first out, and a parent ends after its subtests).
 */
async function startQueue(t: Test, store: OpenedStore, define: (queue: JobQueue) => void = () => {}) {
  const queue = new JobQueue();
  define(queue);
  t.teardown(() => queue.stop(STOP_MS));
  await queue.start(store, failOnQueueError(t));
  return queue;
}

/** Sends a job that must be created, and returns its id. */
async function enqueue(queue: JobQueue, name: string, data: Payload, options?: SendOptions): Promise<string> {
  const id = await queue.send(name, data, options);
  if (id === null) throw new Error(`send to ${name} created no job`);
  return id;
}

/** A promise the test settles: a handler awaiting it runs until the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

for (const backend of BACKENDS) {
  t.test(backend, async (t) => {
    // One store for the backend's tests, since a fresh PGlite store takes seconds to create; each
    // test uses queue names of its own, and its queues stop when it ends, before the store closes.
    const store = await freshStore(t, backend);
    if (!store) return;

    t.test('a sent job reaches its handler and completes', async (t) => {
      const runs: Run[] = [];
      const queue = await startQueue(t, store, (q) =>
        q.define<Payload>('greet', async (data, job) => void record(runs, data, job)),
      );

      const id = await enqueue(queue, 'greet', { label: 'hello' });
      await waitForState(queue, 'greet', id, 'completed');
      t.same(
        runs.map(({ id, retryCount, data }) => ({ id, retryCount, data })),
        [{ id, retryCount: 0, data: { label: 'hello' } }],
        'the handler ran once, with the data and id of the job sent',
      );
    });

    t.test('a job sent with runAt waits for its time', async (t) => {
      const runs: Run[] = [];
      const queue = await startQueue(t, store, (q) =>
        q.define<Payload>('remind', async (data, job) => void record(runs, data, job)),
      );

      const runAt = new Date(Date.now() + 2_000);
      const id = await enqueue(queue, 'remind', { label: 'later' }, { runAt });
      await waitForState(queue, 'remind', id, 'completed');
      t.equal(runs.length, 1, 'the handler ran once');
      const ranAt = runs[0]!.at;
      t.ok(ranAt >= runAt.getTime(), `the handler ran at or after runAt (${ranAt - runAt.getTime()} ms after it)`);
    });

    t.test("a singleton key holds one queued job under 'exclusive' and 'short'", async (t) => {
      const queue = await startQueue(t, store, (q) => {
        q.define<Payload>('exclusive-sync', async () => {}, { policy: 'exclusive' });
        q.define<Payload>('short-sync', async () => {}, { policy: 'short' });
      });

      // Far in the future, so the first job stays queued throughout.
      const runAt = new Date(Date.now() + 3_600_000);
      for (const name of ['exclusive-sync', 'short-sync']) {
        const first = await queue.send(name, { label: 'first' }, { singletonKey: 'org-1', runAt });
        t.type(first, 'string', `${name}: the first job for a key is created`);
        t.equal(
          await queue.send(name, { label: 'second' }, { singletonKey: 'org-1', runAt }),
          null,
          `${name}: a second job for the same key is not`,
        );
        const other = await queue.send(name, { label: 'other' }, { singletonKey: 'org-2', runAt });
        t.type(other, 'string', `${name}: another key gets its own job`);
        t.not(other, first, `${name}: a different job`);
        t.equal(await queue.state(name, first!), 'created', `${name}: the first job is still queued`);
      }
    });

    t.test('a cancelled job never runs', async (t) => {
      const runs: Run[] = [];
      const queue = await startQueue(t, store, (q) =>
        q.define<Payload>('cancellable', async (data, job) => void record(runs, data, job)),
      );

      const runAt = new Date(Date.now() + 1_500);
      const cancelled = await enqueue(queue, 'cancellable', { label: 'cancelled' }, { runAt });
      t.equal(await queue.cancel('cancellable', cancelled), true, 'cancel finds the queued job');
      t.equal(await queue.state('cancellable', cancelled), 'cancelled');

      // Due after the cancelled one, and fetched in creation order: had the cancelled job still been
      // runnable, it would have run before this one finished.
      const later = await enqueue(queue, 'cancellable', { label: 'later' }, { runAt: new Date(runAt.getTime() + 500) });
      await waitForState(queue, 'cancellable', later, 'completed');
      t.same(
        runs.map((run) => run.data.label),
        ['later'],
        'only the job that was not cancelled ran',
      );
      t.equal(await queue.state('cancellable', cancelled), 'cancelled', 'the cancelled job stays cancelled');

      t.equal(await queue.cancel('cancellable', cancelled), false, 'a job already cancelled is not cancelled again');
      t.equal(await queue.cancel('cancellable', later), false, 'a completed job cannot be cancelled');
      t.equal(await queue.cancel('cancellable', randomUUID()), false, 'an unknown id cancels nothing');
    });

    t.test('a failing job is retried with backoff, then fails for good', async (t) => {
      const flaky: (Run & { failedAt?: number })[] = [];
      const doomed: Run[] = [];
      const queue = await startQueue(t, store, (q) => {
        q.define<Payload>(
          'flaky',
          async (data, job) => {
            const run = record(flaky, data, job);
            if (job.retryCount < 2) {
              Object.assign(run, { failedAt: Date.now() });
              throw new Error(`attempt ${job.retryCount} fails`);
            }
          },
          { retryLimit: 3, retryDelaySeconds: 1, retryBackoff: true },
        );
        q.define<Payload>(
          'doomed',
          async (data, job) => {
            record(doomed, data, job);
            throw new Error('always fails');
          },
          { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: false },
        );
      });

      // Both at once, so the retry delays overlap.
      const flakyId = await enqueue(queue, 'flaky', { label: 'flaky' });
      const doomedId = await enqueue(queue, 'doomed', { label: 'doomed' });

      await waitForState(queue, 'doomed', doomedId, 'failed');
      t.same(
        doomed.map(({ id, retryCount }) => ({ id, retryCount })),
        [0, 1, 2].map((retryCount) => ({ id: doomedId, retryCount })),
        'a job that always fails is tried retryLimit + 1 times',
      );

      await waitForState(queue, 'flaky', flakyId, 'completed');
      t.same(
        flaky.map(({ id, retryCount }) => ({ id, retryCount })),
        [0, 1, 2].map((retryCount) => ({ id: flakyId, retryCount })),
        'the flaky job is retried until its third attempt succeeds',
      );
      const [first, second, third] = flaky;
      const firstWait = second!.at - first!.failedAt!;
      const secondWait = third!.at - second!.failedAt!;
      t.ok(firstWait >= 1_000, `the first retry waits at least retryDelaySeconds (${firstWait} ms)`);
      // Backoff doubles the delay (with jitter), so this is its least. A worker polls every 2 s, which
      // hides a missing backoff at a 1 s delay: this checks the delays are kept, not that they grow.
      t.ok(secondWait >= 2_000, `the second retry waits at least twice retryDelaySeconds (${secondWait} ms)`);

      t.equal(doomed.length, 3, 'the failed job was not tried again meanwhile');
      t.equal(await queue.state('doomed', doomedId), 'failed', 'and stays failed');
    });

    t.test('a graceful stop lets a running handler finish', async (t) => {
      const release = gate();
      let entered = false;
      let finished = false;
      let abortedAtEnd: boolean | undefined;
      const queue = await startQueue(t, store, (q) =>
        q.define<Payload>('slow', async (_data, job) => {
          entered = true;
          await release.opened;
          abortedAtEnd = job.signal.aborted;
          finished = true;
        }),
      );

      const id = await enqueue(queue, 'slow', { label: 'in flight' });
      await waitFor('the handler to start', () => entered);
      let stopped = false;
      const stopping = queue.stop(STOP_MS).then(() => void (stopped = true));
      await sleep(300);
      t.notOk(stopped, 'stop waits while the handler runs');
      release.open();
      await stopping;
      t.ok(finished, 'the handler ran to its end before stop returned');
      t.equal(abortedAtEnd, false, 'its signal was not aborted');
      t.notOk(queue.started, 'the queue is stopped');

      const reader = await startQueue(t, store);
      t.equal(await reader.state('slow', id), 'completed', 'the job completed, as a new queue on the store sees');
    });

    t.test('a job still running when stop gives up is run again', async (t) => {
      const options = { retryLimit: 1, retryDelaySeconds: 1, retryBackoff: false };
      const release = gate();
      t.teardown(release.open);
      const abandoned: Run[] = [];
      let abandonedSignal: AbortSignal | undefined;
      let abandonedReturned = false;
      const first = await startQueue(t, store, (q) =>
        q.define<Payload>(
          'sync',
          async (data, job) => {
            record(abandoned, data, job);
            abandonedSignal = job.signal;
            await release.opened; // past the stop's timeout, ignoring the signal
            abandonedReturned = true;
          },
          options,
        ),
      );

      const id = await enqueue(first, 'sync', { label: 'interrupted' });
      await waitFor('the first attempt to start', () => abandoned.length > 0);
      await first.stop(1_000);
      t.notOk(abandonedReturned, 'stop returned while the handler was still running');
      t.equal(abandonedSignal?.aborted, true, 'the handler was told to stop through its signal');

      // A queue with no handlers reads the state without a worker that could take the job meanwhile.
      const reader = await startQueue(t, store);
      t.equal(await reader.state('sync', id), 'retry', 'the interrupted job was sent back for retry');

      const rerun: Run[] = [];
      const second = await startQueue(t, store, (q) =>
        q.define<Payload>('sync', async (data, job) => void record(rerun, data, job), options),
      );
      await waitForState(second, 'sync', id, 'completed');
      t.same(
        rerun.map(({ id, retryCount, data }) => ({ id, retryCount, data })),
        [{ id, retryCount: 1, data: { label: 'interrupted' } }],
        'a new queue on the same store ran the job again, as its retry',
      );

      release.open();
      await waitFor('the abandoned first attempt to return', () => abandonedReturned);
      t.equal(await second.state('sync', id), 'completed', 'the abandoned attempt returning late changes nothing');
      t.equal(abandoned.length, 1, 'the first queue made no further attempt');
    });

    t.test('definitions are fixed before start, and sending needs a running queue', async (t) => {
      const handler = async () => {};
      const queue = new JobQueue();
      await t.rejects(queue.send('setup', { label: 'early' }), /job queue is not running/, 'send before start');

      queue.define<Payload>('setup', handler);
      t.throws(() => queue.define<Payload>('setup', handler), /job queue setup is defined twice/, 'define twice');

      t.teardown(() => queue.stop(STOP_MS));
      await queue.start(store, failOnQueueError(t));
      t.ok(queue.started, 'start starts it');
      t.throws(
        () => queue.define<Payload>('other', handler),
        /job queue other must be defined before the queue starts/,
        'define after start',
      );
      t.type(await queue.send('setup', { label: 'running' }), 'string', 'send once started');

      await queue.stop(STOP_MS);
      await t.rejects(queue.send('setup', { label: 'late' }), /job queue is not running/, 'send after stop');
    });
  });
}
