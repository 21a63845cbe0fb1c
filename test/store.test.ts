import t from 'tap';
import { BACKENDS, freshStore } from './helpers/backends.ts';

for (const backend of BACKENDS) {
  t.test(`${backend}: rows come back with the same types`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    const [row] = await store.query(
      `select 5::int8 as small, $1::int8 as param, $2::bytea as bytes, 1.50::numeric as amount,
              '2026-03-29T01:30:00Z'::timestamptz as at, '{"a":[1]}'::jsonb as doc, true as flag, null::text as nothing`,
      [9_007_199_254_740_991n, Buffer.from([0, 255, 7])],
    );
    t.same(row, {
      small: 5,
      param: 9_007_199_254_740_991,
      bytes: Buffer.from([0, 255, 7]),
      amount: '1.50',
      at: new Date('2026-03-29T01:30:00Z'),
      doc: { a: [1] },
      flag: true,
      nothing: null,
    });
    t.ok(Buffer.isBuffer(row!.bytes), 'bytea is a Buffer');
  });

  t.test(`${backend}: int8 beyond the safe range is an error, not a wrong number`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await t.rejects(store.query('select 9007199254740993::int8 as big'), /safe integer range/);
  });

  t.test(`${backend}: a transaction commits or rolls back as a whole`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await store.exec('create table item (id int primary key, name text not null)');
    await store.transaction(async (tx) => {
      await tx.query('insert into item values (1, $1)', ['kept']);
      await tx.query('insert into item values (2, $1)', ['kept too']);
    });
    await t.rejects(
      store.transaction(async (tx) => {
        await tx.query('insert into item values (3, $1)', ['lost']);
        await tx.query('insert into item values (1, $1)', ['duplicate key']);
      }),
    );
    const rows = await store.query<{ id: number }>('select id from item order by id');
    t.same(
      rows.map((row) => row.id),
      [1, 2],
    );
    t.same(await store.query('select count(*) as n from item'), [{ n: 2 }], 'count(*) is a number on both');
  });
}
