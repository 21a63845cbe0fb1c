import t, { type Test } from 'tap';
import {
  creditBalance,
  creditHistory,
  OPENING_KEY,
  postCreditTransaction,
  type CreditRequest,
  type PostResult,
} from '../../service/src/credits/store.ts';
import { availableAccount, SYSTEM_ACCOUNTS } from '../../service/src/credits/ledger.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Queryable, Store } from '../../service/src/store/store.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const ORG = '00D5g0000CreditAAA';
const OTHER = '00D5g0000CreditBBB';
const NOW = new Date('2026-03-10T12:00:00Z');
const options = { now: NOW, openingAllowance: 0 };

async function addOrg(store: Queryable, orgId: string): Promise<void> {
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
     values ($1, 'https://example.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [orgId],
  );
}

async function ledgerStore(t: Test, backend: (typeof BACKENDS)[number]): Promise<Store | undefined> {
  const store = await freshStore(t, backend);
  if (!store) return undefined;
  await migrate(store);
  await addOrg(store, ORG);
  await addOrg(store, OTHER);
  return store;
}

function post(store: Store, request: Omit<CreditRequest, 'orgId'> & { orgId?: string }, opening = 0) {
  return postCreditTransaction(store, { orgId: ORG, ...request }, { ...options, openingAllowance: opening });
}

function purchase(key: string, amount: number, minor = amount * 15): Omit<CreditRequest, 'orgId'> {
  return {
    idempotencyKey: key,
    reference: `authnet-${key}`,
    operation: { kind: 'purchase', amount, money: { minor, currency: 'USD' } },
  };
}

function expectOk(t: Test, result: PostResult) {
  if (!result.ok) t.fail(`refused: ${result.error.code}`);
  return result.ok ? result.transaction : undefined;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: postings are written, balanced, and the balance is their sum`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    const bought = expectOk(t, await post(store, purchase('p1', 100, 1500)));
    t.same(bought?.postings, [
      { account: SYSTEM_ACCOUNTS.purchases, amount: -100 },
      { account: availableAccount(ORG), amount: 100 },
    ]);
    t.same(bought?.money, { minor: 1500, currency: 'USD' });
    expectOk(t, await post(store, { idempotencyKey: 'sms-1', operation: { kind: 'reserve', amount: 3 } }));
    expectOk(t, await post(store, { idempotencyKey: 'sms-1-sent', operation: { kind: 'consume', amount: 2 } }));
    expectOk(t, await post(store, { idempotencyKey: 'sms-1-rest', operation: { kind: 'release', amount: 1 } }));
    t.same(await creditBalance(store, ORG, 0), { available: 98, reserved: 0 });
    t.same(await creditBalance(store, OTHER, 0), { available: 0, reserved: 0 }, 'another org is untouched');

    const [sums] = await store.query<{ total: number; unbalanced: number }>(
      `select (select coalesce(sum(amount), 0)::int8 from credit_posting) as total,
              (select count(*)::int8 from (select transaction_id from credit_posting group by transaction_id
                 having sum(amount) <> 0) u) as unbalanced`,
    );
    t.same(sums, { total: 0, unbalanced: 0 });
    const history = await creditHistory(store, ORG, { limit: 10 });
    t.same(
      history.map((tx) => tx.kind),
      ['release', 'consume', 'reserve', 'purchase'],
      'history is newest first',
    );
    t.same(
      (await creditHistory(store, ORG, { limit: 2, beforeId: history[1]!.id })).map((tx) => tx.kind),
      ['reserve', 'purchase'],
      'and pages backwards',
    );
  });

  t.test(`${backend}: refusals post nothing; refunds stay within their purchase`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    const refused = await post(store, { idempotencyKey: 'r', operation: { kind: 'reserve', amount: 1 } });
    t.match(refused, { ok: false, error: { code: 'insufficient_available' } });
    const bought = expectOk(t, await post(store, purchase('p1', 100, 1500)))!;
    const refund = (key: string, amount: number, minor: number, purchaseId = String(bought.id)) =>
      post(store, {
        idempotencyKey: key,
        operation: { kind: 'refund', amount, purchaseId, money: { minor, currency: 'USD' } },
      });
    expectOk(t, await refund('refund-1', 60, 900));
    t.match(await refund('refund-2', 41, 600), { ok: false, error: { code: 'refund_exceeds_purchase' } });
    t.match(await refund('refund-3', 40, 601), { ok: false, error: { code: 'refund_exceeds_purchase' } });
    t.match(await refund('refund-4', 1, 1, '999999'), { ok: false, error: { code: 'unknown_purchase' } });
    t.match(
      await postCreditTransaction(
        store,
        {
          orgId: OTHER,
          idempotencyKey: 'steal',
          operation: { kind: 'refund', amount: 1, purchaseId: String(bought.id) },
        },
        options,
      ),
      { ok: false, error: { code: 'unknown_purchase' } },
      "an org cannot refund another org's purchase",
    );
    const last = expectOk(t, await refund('refund-5', 40, 600));
    t.equal(last?.refundOf, bought.id);
    t.same(await creditBalance(store, ORG, 0), { available: 0, reserved: 0 });
    const [count] = await store.query<{ n: number }>('select count(*)::int8 as n from credit_transaction');
    t.equal(count?.n, 3, 'only the purchase and the two accepted refunds were written');
    t.match(await postCreditTransaction(store, { orgId: '00D000000000000ZZZ', ...purchase('x', 1) }, options), {
      ok: false,
      error: { code: 'unknown_org' },
    });
  });

  t.test(`${backend}: the same idempotency key posts once`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    const first = await post(store, purchase('authnet-60123', 100));
    const again = await post(store, purchase('authnet-60123', 100));
    t.match(first, { ok: true, replayed: false });
    t.match(again, { ok: true, replayed: true });
    t.same(again.ok && again.transaction, first.ok && first.transaction, 'the first transaction is returned');
    const together = await Promise.all(Array.from({ length: 5 }, () => post(store, purchase('authnet-60124', 500))));
    t.equal(together.filter((result) => result.ok && !result.replayed).length, 1, 'concurrent retries post once');
    t.match(await post(store, purchase('authnet-60123', 500)), { ok: false, error: { code: 'idempotency_conflict' } });
    t.same(await creditBalance(store, ORG, 0), { available: 600, reserved: 0 });
    const [postings] = await store.query<{ n: number }>('select count(*)::int8 as n from credit_posting');
    t.equal(postings?.n, 4);
  });

  t.test(`${backend}: 20 concurrent consumptions of the last 5 credits: exactly 5 succeed`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    expectOk(t, await post(store, purchase('p1', 5)));
    // Each send reserves its segment and then consumes it, in two transactions, all at once.
    const sends = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const reserved = await post(store, { idempotencyKey: `sms-${i}`, operation: { kind: 'reserve', amount: 1 } });
        if (!reserved.ok) return reserved;
        return post(store, { idempotencyKey: `sms-${i}-sent`, operation: { kind: 'consume', amount: 1 } });
      }),
    );
    t.equal(sends.filter((result) => result.ok).length, 5);
    t.ok(
      sends.every((result) => result.ok || result.error.code === 'insufficient_available'),
      'the rest were refused for want of credits',
    );
    t.same(await creditBalance(store, ORG, 0), { available: 0, reserved: 0 });
    const [consumed] = await store.query<{ n: number }>(
      'select coalesce(sum(amount), 0)::int8 as n from credit_posting where account = $1',
      [SYSTEM_ACCOUNTS.consumption],
    );
    t.equal(consumed?.n, 5);
  });

  t.test(`${backend}: the ledger is append-only, except when the org goes`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    expectOk(t, await post(store, purchase('p1', 10)));
    const appendOnly = /credit ledger is append-only/;
    await t.rejects(store.query('update credit_transaction set amount = 1000'), appendOnly);
    await t.rejects(store.query('update credit_posting set amount = amount * 100'), appendOnly);
    await t.rejects(store.query('delete from credit_posting'), appendOnly);
    await t.rejects(store.query('delete from credit_transaction'), appendOnly);
    await t.rejects(store.query('truncate credit_posting'), appendOnly);
    await t.rejects(
      store.transaction(async (tx) => {
        const [row] = await tx.query<{ id: number }>(
          `insert into credit_transaction (org_id, kind, idempotency_key, amount, created_at)
           values ($1, 'adjustment', 'forged', 50, $2) returning id`,
          [ORG, NOW],
        );
        await tx.query('insert into credit_posting values ($1, $2, 50)', [row!.id, availableAccount(ORG)]);
      }),
      /unbalanced/,
      'postings that do not sum to zero are refused at commit',
    );
    t.same(await creditBalance(store, ORG, 0), { available: 10, reserved: 0 }, 'nothing changed');

    await store.query('delete from org_connection where org_id = $1', [ORG]);
    const [left] = await store.query<{ tx: number; postings: number }>(
      `select (select count(*)::int8 from credit_transaction) as tx, (select count(*)::int8 from credit_posting) as postings`,
    );
    t.same(left, { tx: 0, postings: 0 }, "a deleted org's ledger goes with it");
    await addOrg(store, ORG);
    expectOk(t, await post(store, { idempotencyKey: 'again', operation: { kind: 'adjustment', amount: 1 } }));
    t.same(await creditBalance(store, ORG, 0), { available: 1, reserved: 0 }, 'connected again, it starts afresh');
  });

  t.test(`${backend}: an org without a ledger opens with its allowance, less what it already used`, async (t) => {
    const store = await ledgerStore(t, backend);
    if (!store) return;
    await store.query('insert into sms_credit_use (org_id, segments, created_at) values ($1, 30, $2)', [ORG, NOW]);
    t.same(await creditBalance(store, ORG, 500), { available: 470, reserved: 0 }, 'before any transaction');
    expectOk(t, await post(store, { idempotencyKey: 'sms-1', operation: { kind: 'reserve', amount: 2 } }, 500));
    t.same(await creditBalance(store, ORG, 500), { available: 468, reserved: 2 });
    const history = await creditHistory(store, ORG, { limit: 10 });
    t.match(history.at(-1), { kind: 'adjustment', idempotencyKey: OPENING_KEY, amount: 470 });
    expectOk(t, await post(store, { idempotencyKey: 'sms-2', operation: { kind: 'reserve', amount: 1 } }, 900));
    t.same(
      await creditBalance(store, ORG, 900),
      { available: 467, reserved: 3 },
      'the allowance opens the ledger once; later changes to it do not add credits',
    );
    t.same(await creditBalance(store, OTHER, 0), { available: 0, reserved: 0 }, 'no allowance, nothing to open');
  });
}
