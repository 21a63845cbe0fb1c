import t from 'tap';
import { buildTestApp } from './helpers/app.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

t.test('closing the app lets an in-flight request finish and refuses new ones', async (t) => {
  const { app } = await buildTestApp(t);
  const entered = deferred();
  const release = deferred();
  app.get('/slow', async () => {
    entered.resolve();
    await release.promise;
    return { finished: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const inFlight = fetch(`http://127.0.0.1:${address.port}/slow`);
  await entered.promise;

  const closed = app.close();
  await t.rejects(fetch(`http://127.0.0.1:${address.port}/healthz`), 'new connections are refused while closing');
  release.resolve();
  const response = await inFlight;
  t.equal(response.status, 200);
  t.same(await response.json(), { finished: true }, 'the in-flight request completed');
  t.equal(response.headers.get('connection'), 'close', 'and its keep-alive connection is let go');
  await closed;
});

t.test('closing the app lets a running job finish and records it as completed', async (t) => {
  const { app, config } = await buildTestApp(t);
  const entered = deferred();
  const release = deferred();
  let finished = false;
  app.jobs.define('slow-job', async () => {
    entered.resolve();
    await release.promise;
    finished = true;
  });
  await app.ready();
  await app.storeConnection.whenReady();
  const id = await app.jobs.send('slow-job', {});
  await entered.promise;

  const closed = app.close();
  setTimeout(() => release.resolve(), 300);
  await closed;
  t.ok(finished, 'the handler ran to the end');

  const { app: reopened } = await buildTestApp(t, { DATA_DIR: config.dataDir });
  reopened.jobs.define('slow-job', async () => {
    t.fail('a completed job must not run again');
  });
  await reopened.ready();
  await reopened.storeConnection.whenReady();
  t.equal(
    await reopened.jobs.state('slow-job', id!),
    'completed',
    'and its completion was stored before the store closed',
  );
});
