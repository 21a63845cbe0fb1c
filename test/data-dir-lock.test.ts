import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { lockDataDir } from '../service/src/store/data-dir-lock.ts';
import { openPgliteStore } from '../service/src/store/pglite.ts';
import { tempDataDir } from './helpers/backends.ts';

t.test('an open embedded store refuses a second opener, and allows one after it closes', async (t) => {
  const dataDir = tempDataDir(t);
  const store = await openPgliteStore(dataDir);
  await store.exec("create table kept (value text); insert into kept values ('safe')");
  await t.rejects(openPgliteStore(dataDir), {
    code: 'store_locked',
    message: `data folder ${dataDir} is in use by process ${process.pid} on ${hostname()}; stop it, or set DATA_DIR to another folder`,
  });
  t.same(await store.query('select value from kept'), [{ value: 'safe' }], 'the open store is unharmed');
  await store.close();

  const reopened = await openPgliteStore(dataDir);
  t.same(await reopened.query('select value from kept'), [{ value: 'safe' }], 'data survived');
  await reopened.close();
});

t.test('a lock left by a process that died is taken over', async (t) => {
  const dataDir = tempDataDir(t);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(dead.stdout.toString());
  writeFileSync(join(dataDir, 'slotwise.lock'), JSON.stringify({ pid: deadPid, host: hostname(), started: 1 }));
  const lock = lockDataDir(dataDir);
  t.throws(() => lockDataDir(dataDir), { code: 'store_locked' }, 'and is then held by this process');
  lock.release();
  lockDataDir(dataDir).release();
});

t.test(
  "a lock with this process's pid but another start time belonged to an earlier life of the container",
  async (t) => {
    const dataDir = tempDataDir(t);
    writeFileSync(join(dataDir, 'slotwise.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: 1 }));
    const lock = lockDataDir(dataDir);
    t.throws(() => lockDataDir(dataDir), { code: 'store_locked' });
    lock.release();
  },
);

t.test('a lock held on another host, or unreadable, is never taken over', async (t) => {
  const dataDir = tempDataDir(t);
  writeFileSync(join(dataDir, 'slotwise.lock'), JSON.stringify({ pid: 1, host: 'other-host', started: 1 }));
  t.throws(() => lockDataDir(dataDir), { code: 'store_locked', message: /process 1 on other-host/ });
  writeFileSync(join(dataDir, 'slotwise.lock'), '{"pid":');
  t.throws(() => lockDataDir(dataDir), { code: 'store_locked', message: /in use by another process/ });
});

t.test('a corrupt embedded store is reported as such and the lock released', async (t) => {
  const dataDir = tempDataDir(t);
  const store = await openPgliteStore(dataDir);
  await store.close();
  writeFileSync(join(dataDir, 'pglite', 'PG_VERSION'), 'not a version\n');
  await t.rejects(openPgliteStore(dataDir), { code: 'store_corrupt', message: /could not be opened/ });
  lockDataDir(dataDir).release();
});
