import fc from 'fast-check';
import t from 'tap';
import {
  applyTransaction,
  availableAccount,
  EMPTY_LEDGER,
  orgBalance,
  reservedAccount,
  SYSTEM_ACCOUNTS,
  type CreditOperation,
  type LedgerState,
} from '../../service/src/credits/ledger.ts';

const ORGS = ['00DAAAAAAAAAAAAAAA', '00DBBBBBBBBBBBBBBB'];

// Amounts around the balances a sequence builds up, so both accepted and refused steps are common.
const amount = fc.integer({ min: 1, max: 60 });
const money = fc.record({ minor: fc.integer({ min: 0, max: 10_000 }), currency: fc.constantFrom('USD', 'EUR') });
const operation: fc.Arbitrary<CreditOperation> = fc.oneof(
  fc.record({ kind: fc.constant('purchase' as const), amount, money }),
  fc.record({ kind: fc.constant('reserve' as const), amount }),
  fc.record({ kind: fc.constant('consume' as const), amount }),
  fc.record({ kind: fc.constant('release' as const), amount }),
  fc.record({
    kind: fc.constant('refund' as const),
    amount,
    // An index into the purchases made so far (resolved while running), some out of range.
    purchaseId: fc.nat({ max: 8 }).map(String),
    money: fc.option(money, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('adjustment' as const), amount: fc.integer({ min: -60, max: 60 }) }),
);
const step = fc.record({ org: fc.constantFrom(...ORGS), operation });

/** What a simple model of the rules expects: accepted or not, without the ledger's code. */
function expectedAccepted(
  model: Map<string, { available: number; reserved: number }>,
  purchases: Map<
    string,
    { orgId: string; credits: number; minor: number; currency: string; refunded: number; refundedMinor: number }
  >,
  org: string,
  op: CreditOperation,
): boolean {
  const { available, reserved } = model.get(org)!;
  switch (op.kind) {
    case 'purchase':
      return true;
    case 'reserve':
      return op.amount <= available;
    case 'consume':
    case 'release':
      return op.amount <= reserved;
    case 'adjustment':
      return op.amount !== 0 && available + op.amount >= 0;
    case 'refund': {
      const purchase = purchases.get(op.purchaseId);
      if (!purchase || purchase.orgId !== org) return false;
      if (purchase.refunded + op.amount > purchase.credits) return false;
      if (op.money && op.money.currency !== purchase.currency) return false;
      if (op.money && purchase.refundedMinor + op.money.minor > purchase.minor) return false;
      return op.amount <= available;
    }
  }
}

t.test('random sequences of operations never break the balance rules', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          let state: LedgerState = EMPTY_LEDGER;
          const purchaseIds: string[] = [];
          const sums = new Map<string, number>();
          const model = new Map(ORGS.map((org) => [org, { available: 0, reserved: 0 }]));
          const purchases = new Map<
            string,
            { orgId: string; credits: number; minor: number; currency: string; refunded: number; refundedMinor: number }
          >();

          steps.forEach(({ org, operation: generated }, index) => {
            const id = `tx${index}`;
            const op: CreditOperation =
              generated.kind === 'refund'
                ? { ...generated, purchaseId: purchaseIds[Number(generated.purchaseId)] ?? 'missing' }
                : generated;
            const expected = expectedAccepted(model, purchases, org, op);
            const result = applyTransaction(state, { id, orgId: org, operation: op });
            if (result.ok !== expected) {
              throw new Error(
                `step ${index} ${JSON.stringify(op)} for ${org}: expected ${expected ? 'accepted' : 'refused'}`,
              );
            }
            if (!result.ok) return;

            const total = result.postings.reduce((sum, posting) => sum + posting.amount, 0);
            if (total !== 0) throw new Error(`postings of step ${index} sum to ${total}`);
            for (const posting of result.postings)
              sums.set(posting.account, (sums.get(posting.account) ?? 0) + posting.amount);
            state = result.state;

            // The model follows the accepted operation.
            const balance = model.get(org)!;
            if (op.kind === 'purchase') {
              balance.available += op.amount;
              purchaseIds.push(id);
              purchases.set(id, {
                orgId: org,
                credits: op.amount,
                minor: op.money.minor,
                currency: op.money.currency,
                refunded: 0,
                refundedMinor: 0,
              });
            } else if (op.kind === 'reserve') {
              balance.available -= op.amount;
              balance.reserved += op.amount;
            } else if (op.kind === 'consume') balance.reserved -= op.amount;
            else if (op.kind === 'release') {
              balance.reserved -= op.amount;
              balance.available += op.amount;
            } else if (op.kind === 'adjustment') balance.available += op.amount;
            else {
              balance.available -= op.amount;
              const purchase = purchases.get(op.purchaseId)!;
              purchase.refunded += op.amount;
              purchase.refundedMinor += op.money?.minor ?? 0;
            }

            for (const other of ORGS) {
              const { available, reserved } = orgBalance(state, other);
              if (available < 0 || reserved < 0) throw new Error(`step ${index}: ${other} went negative`);
              if (available !== model.get(other)!.available || reserved !== model.get(other)!.reserved) {
                throw new Error(`step ${index}: ${other}'s balance differs from the model`);
              }
            }
            for (const [account, balance] of state.balances) {
              if (balance !== (sums.get(account) ?? 0)) throw new Error(`${account} is not the sum of its postings`);
            }
            const everything = [...state.balances.values()].reduce((sum, value) => sum + value, 0);
            if (everything !== 0) throw new Error('the ledger as a whole does not balance');
            for (const purchase of state.purchases.values()) {
              if (purchase.refundedCredits > purchase.credits || purchase.refundedMinor > purchase.money.minor) {
                throw new Error('a purchase refunded more than it sold');
              }
            }
            const refunded = state.balances.get(SYSTEM_ACCOUNTS.refunds) ?? 0;
            const sold = -(state.balances.get(SYSTEM_ACCOUNTS.purchases) ?? 0);
            if (refunded > sold) throw new Error('refunds exceed purchases');
          });
        }),
        { numRuns: 500 },
      ),
    '500 random sequences kept every rule',
  );
});

t.test('each kind moves credits between the accounts it names', async (t) => {
  const org = ORGS[0]!;
  const bought = applyTransaction(EMPTY_LEDGER, {
    id: 'p1',
    orgId: org,
    operation: { kind: 'purchase', amount: 100, money: { minor: 1500, currency: 'USD' } },
  });
  t.ok(bought.ok);
  if (!bought.ok) return;
  t.same(bought.postings, [
    { account: SYSTEM_ACCOUNTS.purchases, amount: -100 },
    { account: availableAccount(org), amount: 100 },
  ]);
  const reserved = applyTransaction(bought.state, { id: 'r1', orgId: org, operation: { kind: 'reserve', amount: 3 } });
  t.ok(reserved.ok);
  if (!reserved.ok) return;
  t.same(orgBalance(reserved.state, org), { available: 97, reserved: 3 });
  const consumed = applyTransaction(reserved.state, {
    id: 'c1',
    orgId: org,
    operation: { kind: 'consume', amount: 2 },
  });
  t.ok(consumed.ok);
  if (!consumed.ok) return;
  t.same(consumed.postings, [
    { account: reservedAccount(org), amount: -2 },
    { account: SYSTEM_ACCOUNTS.consumption, amount: 2 },
  ]);
  t.same(orgBalance(consumed.state, org), { available: 97, reserved: 1 });
});

t.test('refusals are typed and leave nothing behind', async (t) => {
  const org = ORGS[0]!;
  const refuse = (state: LedgerState, operation: CreditOperation, orgId = org) => {
    const result = applyTransaction(state, { id: 'x', orgId, operation });
    return result.ok ? 'accepted' : result.error.code;
  };
  t.equal(refuse(EMPTY_LEDGER, { kind: 'reserve', amount: 1 }), 'insufficient_available');
  t.equal(refuse(EMPTY_LEDGER, { kind: 'consume', amount: 1 }), 'insufficient_reserved');
  t.equal(refuse(EMPTY_LEDGER, { kind: 'reserve', amount: 1.5 }), 'invalid_amount');
  t.equal(refuse(EMPTY_LEDGER, { kind: 'release', amount: -2 }), 'invalid_amount');
  t.equal(refuse(EMPTY_LEDGER, { kind: 'adjustment', amount: 0 }), 'invalid_amount');
  t.equal(refuse(EMPTY_LEDGER, { kind: 'adjustment', amount: -1 }), 'insufficient_available');
  t.equal(
    refuse(EMPTY_LEDGER, { kind: 'purchase', amount: 5, money: { minor: 1.5, currency: 'USD' } }),
    'invalid_money',
  );
  t.equal(
    refuse(EMPTY_LEDGER, { kind: 'purchase', amount: 5, money: { minor: 100, currency: 'usd' } }),
    'invalid_money',
  );
  t.equal(refuse(EMPTY_LEDGER, { kind: 'refund', amount: 1, purchaseId: 'nope' }), 'unknown_purchase');

  const bought = applyTransaction(EMPTY_LEDGER, {
    id: 'p1',
    orgId: org,
    operation: { kind: 'purchase', amount: 10, money: { minor: 1000, currency: 'USD' } },
  });
  if (!bought.ok) throw new Error('purchase refused');
  t.equal(refuse(bought.state, { kind: 'refund', amount: 11, purchaseId: 'p1' }), 'refund_exceeds_purchase');
  t.equal(
    refuse(bought.state, { kind: 'refund', amount: 1, purchaseId: 'p1', money: { minor: 100, currency: 'EUR' } }),
    'currency_mismatch',
  );
  t.equal(
    refuse(bought.state, { kind: 'refund', amount: 1, purchaseId: 'p1', money: { minor: 1001, currency: 'USD' } }),
    'refund_exceeds_purchase',
  );
  t.equal(
    refuse(bought.state, { kind: 'refund', amount: 1, purchaseId: 'p1' }, ORGS[1]),
    'unknown_purchase',
    "another org's purchase",
  );
  t.equal(refuse(bought.state, { kind: 'refund', amount: 10, purchaseId: 'p1' }), 'accepted');
  t.same(orgBalance(bought.state, org), { available: 10, reserved: 0 }, 'the state given is never changed');
});
