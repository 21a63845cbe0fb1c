import fc from 'fast-check';
import t from 'tap';
import { applyTransaction, EMPTY_LEDGER, orgBalance, type CreditOperation } from '../../service/src/credits/ledger.ts';
import { creditBalance, postCreditTransaction } from '../../service/src/credits/store.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const NOW = new Date('2026-03-10T12:00:00Z');

const amount = fc.integer({ min: 1, max: 40 });
const money = fc.record({ minor: fc.integer({ min: 0, max: 5_000 }), currency: fc.constantFrom('USD', 'EUR') });
const operation: fc.Arbitrary<CreditOperation> = fc.oneof(
  fc.record({ kind: fc.constant('purchase' as const), amount, money }),
  fc.record({ kind: fc.constant('reserve' as const), amount }),
  fc.record({ kind: fc.constant('consume' as const), amount }),
  fc.record({ kind: fc.constant('release' as const), amount }),
  fc.record({
    kind: fc.constant('refund' as const),
    amount,
    purchaseId: fc.nat({ max: 4 }).map(String),
    money: fc.option(money, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('adjustment' as const), amount: fc.integer({ min: -40, max: 40 }) }),
);

// The store decides exactly as the pure rules do, and its derived balance is theirs.
for (const backend of BACKENDS) {
  t.test(`${backend}: the stored ledger follows the pure rules on random sequences`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 15 }), async (operations) => {
        // A new org per run: every sequence starts from an empty ledger.
        const orgId = `00DPROP${String(run++).padStart(11, '0')}`;
        await store.query(
          `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
           values ($1, 'https://example.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
          [orgId],
        );
        let state = EMPTY_LEDGER;
        const purchaseIds: string[] = [];
        for (const [index, generated] of operations.entries()) {
          const op: CreditOperation =
            generated.kind === 'refund'
              ? { ...generated, purchaseId: purchaseIds[Number(generated.purchaseId)] ?? '999999999' }
              : generated;
          const stored = await postCreditTransaction(
            store,
            { orgId, idempotencyKey: `op-${index}`, operation: op },
            { now: NOW, openingAllowance: 0 },
          );
          const id = stored.ok ? String(stored.transaction.id) : 'refused';
          const pure = applyTransaction(state, { id, orgId, operation: op });
          if (pure.ok !== stored.ok) throw new Error(`step ${index} ${JSON.stringify(op)}: store and rules disagree`);
          if (!pure.ok || !stored.ok) continue;
          state = pure.state;
          if (op.kind === 'purchase') purchaseIds.push(id);
          const balance = await creditBalance(store, orgId, 0);
          const expected = orgBalance(state, orgId);
          if (balance.available !== expected.available || balance.reserved !== expected.reserved) {
            throw new Error(
              `step ${index}: stored balance ${JSON.stringify(balance)}, rules ${JSON.stringify(expected)}`,
            );
          }
        }
      }),
      { numRuns: 25 },
    );
    const [unbalanced] = await store.query<{ n: number }>(
      `select count(*)::int8 as n from (select transaction_id from credit_posting group by transaction_id
         having sum(amount) <> 0) u`,
    );
    t.equal(unbalanced?.n, 0, 'every stored transaction balances');
    const drifted = await store.query(
      `select account from (select account, sum(amount) as total from credit_posting
                              where account like 'org:%' group by account) p
         full join credit_balance b using (account)
        where p.total is distinct from b.balance`,
    );
    t.same(drifted, [], 'the running balances equal the sums of the postings');
    t.equal(run >= 25, true, 'every run posted against the store');
  });
}
