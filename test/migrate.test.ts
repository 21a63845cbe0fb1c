import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { migrate } from '../service/src/store/migrate.ts';
import { openStore } from '../service/src/store/open.ts';
import { BACKENDS, freshStore, tempDataDir } from './helpers/backends.ts';
import { createTestDatabase } from './helpers/postgres.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'migrations');

for (const backend of BACKENDS) {
  t.test(`${backend}: migrations apply in order, once`, async (t) => {
    const store = await freshStore(t, backend, { empty: true });
    if (!store) return;
    t.same(await migrate(store, join(fixtures, 'first')), [1]);
    t.same(await migrate(store, join(fixtures, 'first')), [], 'running again changes nothing');
    t.same(await migrate(store, join(fixtures, 'second')), [2], 'only the new one runs');
    t.same(await migrate(store, join(fixtures, 'second')), []);
    t.same(await store.query('select name from patient'), [{ name: 'seeded by 0002' }], '0002 ran exactly once');
    t.same(await store.query('select version, name from schema_migrations order by version'), [
      { version: 1, name: 'patients' },
      { version: 2, name: 'patient_phone' },
    ]);
  });

  t.test(`${backend}: a failing migration leaves nothing half-applied`, async (t) => {
    const store = await freshStore(t, backend, { empty: true });
    if (!store) return;
    await t.rejects(migrate(store, join(fixtures, 'broken')), {
      code: 'migration_failed',
      message: /migration 2_half_done failed: .*no_such_table/,
    });
    t.same(await store.query(`select to_regclass('visit') as visit, to_regclass('patient') as patient`), [
      { visit: null, patient: null },
    ]);
  });

  t.test(`${backend}: an applied migration that was edited is refused`, async (t) => {
    const store = await freshStore(t, backend, { empty: true });
    if (!store) return;
    const dir = join(tempDataDir(t), 'migrations');
    cpSync(join(fixtures, 'first'), dir, { recursive: true });
    await migrate(store, dir);
    writeFileSync(join(dir, '0001_patients.sql'), 'create table patient (id int);');
    await t.rejects(migrate(store, dir), { code: 'migration_changed', message: /0001|1_patients was edited/ });
  });
}

t.test('badly named migration files are refused before anything runs', async (t) => {
  const store = await freshStore(t, 'pglite');
  const dir = join(tempDataDir(t), 'migrations');
  cpSync(join(fixtures, 'first'), dir, { recursive: true });
  writeFileSync(join(dir, 'add-visits.sql'), 'create table visit (id int);');
  await t.rejects(migrate(store!, dir), { code: 'migration_invalid', message: /add-visits.sql is not named/ });
});

t.test('postgres: instances starting together migrate once, without errors', async (t) => {
  const databaseUrl = await createTestDatabase(t);
  if (!databaseUrl) return;
  const stores = await Promise.all(
    Array.from({ length: 4 }, () => openStore({ dataDir: tempDataDir(t), databaseUrl })),
  );
  t.teardown(() => Promise.all(stores.map((store) => store.close())));
  const results = await Promise.all(stores.map((store) => migrate(store, join(fixtures, 'second'))));
  t.same(results.flat().sort(), [1, 2], 'each migration was applied by exactly one instance');
  t.same(await stores[0]!.query('select count(*) as n from patient'), [{ n: 1 }]);
});
