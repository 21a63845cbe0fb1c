import t from 'tap';
import { AUDIT_LIMIT_DEFAULT, recordAudit } from '../../service/src/org/audit.ts';
import type { Queryable } from '../../service/src/store/store.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';
import { USER, orgApiApp } from './org-api-app.ts';

const USER_15 = '005000000000002';
const USER_15_AS_18 = '005000000000002AAA';

/** Waits for the org's audit trail to hold `count` rows (entries are written after the answer goes out). */
async function auditRows(store: Queryable, orgId: string, count: number) {
  return waitFor(`${count} audit rows`, async () => {
    const rows = await store.query('select * from org_audit where org_id = $1 order by id', [orgId]);
    return rows.length === count ? rows : undefined;
  });
}

for (const backend of BACKENDS) {
  t.test(`${backend}: state-changing calls are recorded with the user id; GET /v1/audit lists them`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, headers, appointment } = setup;
    const id = await store.transaction((tx) => app.outbox.enqueue(tx, appointment('bk-audit')));
    await app.outbox.wake(org.orgId);
    await waitFor('the write to be delivered', async () =>
      (await app.outbox.depth(org.orgId)) === 0 ? true : undefined,
    );

    t.equal((await app.inject({ url: '/v1/org/status', headers: headers() })).statusCode, 200);
    const missing = await app.inject({ method: 'POST', url: '/v1/org/outbox/987654/retry', headers: headers() });
    t.equal(missing.statusCode, 404);
    const delivered = await app.inject({
      method: 'POST',
      url: `/v1/org/outbox/${id}/retry`,
      headers: headers(USER_15),
    });
    t.equal(delivered.statusCode, 409);
    const bad = await app.inject({ method: 'POST', url: '/v1/org/outbox/abc/retry', headers: headers() });
    t.equal(bad.statusCode, 400);
    const unauthenticated = await app.inject({ method: 'POST', url: `/v1/org/outbox/${id}/retry` });
    t.equal(unauthenticated.statusCode, 401);

    const rows = await auditRows(store, org.orgId, 3);
    t.same(
      rows.map((row) => [row.user_id, row.action, row.target_id, row.status]),
      [
        [USER, 'POST /v1/org/outbox/:id/retry', '987654', 404],
        [USER_15_AS_18, 'POST /v1/org/outbox/:id/retry', String(id), 409],
        [USER, 'POST /v1/org/outbox/:id/retry', 'abc', 400],
      ],
      'one row per POST, none for the GET or the unauthenticated call; user ids in their 18-character form',
    );
    t.ok(rows.every((row) => row.at instanceof Date && Date.now() - (row.at as Date).getTime() < 60_000));

    const listed = await app.inject({ url: '/v1/audit', headers: headers() });
    t.equal(listed.statusCode, 200);
    const { entries, nextCursor } = listed.json();
    t.same(
      entries.map((entry: { target: string }) => entry.target),
      ['abc', String(id), '987654'],
      'newest first',
    );
    t.equal(nextCursor, null, 'one page');
    t.same(Object.keys(entries[0]).sort(), ['action', 'actorUserId', 'detail', 'entryId', 'occurredAt', 'target']);
    t.match(entries[1], {
      actorUserId: USER_15_AS_18,
      action: 'POST /v1/org/outbox/:id/retry',
      detail: 'status 409',
    });
    t.equal(new Date(entries[1].occurredAt).toISOString(), entries[1].occurredAt, 'an ISO date-time');
    const one = await app.inject({ url: '/v1/audit?limit=1', headers: headers() });
    t.same(
      one.json().entries.map((entry: { target: string }) => entry.target),
      ['abc'],
    );
  });

  t.test(
    `${backend}: GET /v1/audit pages by cursor (at most 200, 50 by default), filters by day, and validates its query`,
    async (t) => {
      const setup = await orgApiApp(t, backend);
      if (!setup) return;
      const { app, store, org, headers } = setup;
      const start = Date.parse('2026-03-01T00:00:00Z');
      for (let i = 0; i < 210; i++) {
        await recordAudit(store, {
          orgId: org.orgId,
          userId: USER,
          action: 'POST /v1/things',
          targetId: String(i),
          status: 200,
          at: new Date(start + i * 1000),
        });
      }
      // The last ten entries fall on the next day.
      for (let i = 0; i < 10; i++) {
        await recordAudit(store, {
          orgId: org.orgId,
          userId: USER,
          action: 'POST /v1/things',
          targetId: `next-${i}`,
          status: 200,
          at: new Date(start + 86_400_000 + i * 1000),
        });
      }
      const list = async (query: string) => app.inject({ url: `/v1/audit${query}`, headers: headers() });
      const byDefault = (await list('')).json().entries;
      t.equal(byDefault.length, AUDIT_LIMIT_DEFAULT);
      t.equal(byDefault[0].target, 'next-9', 'the newest first');

      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const page: { entries: { target: string }[]; nextCursor: string | null } = (
          await list(`?limit=70${cursor ? `&cursor=${cursor}` : ''}`)
        ).json();
        seen.push(...page.entries.map((entry) => entry.target));
        cursor = page.nextCursor;
        pages++;
      }
      t.equal(pages, 4, '220 entries in pages of 70');
      t.equal(new Set(seen).size, 220, 'every entry once');
      t.equal(seen.at(-1), '0', 'the oldest last');

      const firstDay = (await list('?from=2026-03-01&to=2026-03-01&limit=200')).json();
      t.equal(firstDay.entries.length, 200);
      t.equal(firstDay.entries[0].target, '209', '`to` is inclusive of its day and excludes the next');
      const secondDay = (await list('?from=2026-03-02')).json();
      t.same(
        secondDay.entries.map((entry: { target: string }) => entry.target),
        Array.from({ length: 10 }, (_, i) => `next-${9 - i}`),
      );
      const invalid: [string, string][] = [
        ['?limit=0', 'invalid_request'],
        ['?limit=201', 'invalid_request'],
        ['?limit=x', 'invalid_request'],
        ['?limit=-1', 'invalid_request'],
        ['?limit=2.5', 'invalid_request'],
        ['?from=2026-02-30', 'invalid_request'],
        ['?to=yesterday', 'invalid_request'],
        ['?from=2026-03-02&to=2026-03-01', 'invalid_range'],
        ['?cursor=not-a-cursor', 'invalid_cursor'],
        [`?cursor=${'x'.repeat(513)}`, 'invalid_request'],
      ];
      for (const [query, code] of invalid) {
        const response = await list(query);
        t.equal(response.statusCode, 400, query);
        t.equal(response.json().code, code, query);
      }
      t.equal(
        (await store.query('select count(*)::int as n from org_audit where org_id = $1', [org.orgId]))[0]!.n,
        220,
        'GETs are not recorded',
      );
    },
  );

  t.test(`${backend}: a failing audit write is logged and the call keeps its answer`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, key, logs, headers, appointment } = setup;
    const id = await store.transaction((tx) => app.outbox.enqueue(tx, appointment('bk-audit-fail')));
    org.injectFault({ kind: 'validation-rule', message: 'End must be after start.', field: 'End__c' });
    await app.outbox.wake(org.orgId);
    await waitFor('the write to be rejected', async () =>
      (await app.outbox.status(org.orgId)).rejected === 1 ? true : undefined,
    );
    await store.query('drop table org_audit');

    const retry = await app.inject({ method: 'POST', url: `/v1/org/outbox/${id}/retry`, headers: headers() });
    t.equal(retry.statusCode, 204, 'the retry still succeeds');
    const line = await waitFor('the audit failure to be logged', async () =>
      logs.find((entry) => entry.includes('could not record the audit entry')),
    );
    t.match(JSON.parse(line), {
      level: 40,
      orgId: org.orgId,
      action: 'POST /v1/org/outbox/:id/retry',
      err: { code: '42P01' }, // undefined_table: the name and SQLSTATE, never the statement's values
    });
    t.notOk(line.includes(key.slice(4)), 'no API key in the line');
    await waitFor('the retried write to reach the org', async () =>
      (await app.outbox.depth(org.orgId)) === 0 && (await app.outbox.status(org.orgId)).rejected === 0
        ? true
        : undefined,
    );
  });

  t.test(`${backend}: disconnect leaves one log line with org and user; its audit rows go with it`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, logs, headers } = setup;
    await app.inject({ method: 'POST', url: '/v1/org/outbox/1/retry', headers: headers() });
    await auditRows(store, org.orgId, 1);

    const response = await app.inject({ method: 'POST', url: '/v1/org/disconnect', headers: headers() });
    t.equal(response.statusCode, 200);
    const line = await waitFor('the disconnect line', async () =>
      logs.find((entry) => entry.includes('"msg":"org disconnected"')),
    );
    t.match(JSON.parse(line), { level: 30, orgId: org.orgId, userId: USER });
    t.same(await store.query('select * from org_audit where org_id = $1', [org.orgId]), [], 'gone by cascade');
    // What the hook does for the disconnect call itself: nothing to attach the entry to, and no error.
    const entry = { orgId: org.orgId, userId: USER, action: 'POST /v1/org/disconnect', targetId: null, status: 200 };
    t.equal(await recordAudit(store, { ...entry, at: new Date() }), false, 'skipped, not a foreign-key error');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.notOk(
      logs.some((logged) => logged.includes('could not record the audit entry')),
      'no failure logged',
    );
  });
}
