// The credit ledger's rules, without I/O. Double entry: every transaction moves credits between
// accounts with postings that sum to zero, and an account's balance is the sum of its postings.
// Each org has two accounts, what it can spend (available) and what sends in flight hold
// (reserved); the system accounts are where credits come from and go to. Org accounts never go
// negative; system accounts carry the mirror image (purchases is as negative as credits sold).

export const SYSTEM_ACCOUNTS = {
  purchases: 'purchases',
  consumption: 'consumption',
  refunds: 'refunds',
  adjustments: 'adjustments',
} as const;

export function availableAccount(orgId: string): string {
  return `org:${orgId}:available`;
}

export function reservedAccount(orgId: string): string {
  return `org:${orgId}:reserved`;
}

export const CREDIT_KINDS = ['purchase', 'reserve', 'consume', 'release', 'refund', 'adjustment'] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

/** An amount of money in the currency's minor units (cents), never a float. */
export interface Money {
  minor: number;
  currency: string;
}

export type CreditOperation =
  /** Credits bought: purchases → available. */
  | { kind: 'purchase'; amount: number; money: Money }
  /** Held for a send before the provider is asked: available → reserved. */
  | { kind: 'reserve'; amount: number }
  /** Segments the provider took: reserved → consumption. */
  | { kind: 'consume'; amount: number }
  /** A send that made no message, or used fewer segments: reserved → available. */
  | { kind: 'release'; amount: number }
  /** Credits of one purchase paid back: available → refunds. */
  | { kind: 'refund'; amount: number; purchaseId: string; money?: Money }
  /** A correction by an admin (or the opening allowance); negative takes credits away. */
  | { kind: 'adjustment'; amount: number };

export interface Posting {
  account: string;
  amount: number;
}

export interface PurchaseRecord {
  orgId: string;
  credits: number;
  money: Money;
  refundedCredits: number;
  refundedMinor: number;
}

/** What the rules need to know: balances by account, and each purchase with what it has refunded. */
export interface LedgerState {
  balances: ReadonlyMap<string, number>;
  purchases: ReadonlyMap<string, PurchaseRecord>;
}

export interface CreditTransaction {
  id: string;
  orgId: string;
  operation: CreditOperation;
}

export type LedgerErrorCode =
  | 'invalid_amount'
  | 'invalid_money'
  | 'insufficient_available'
  | 'insufficient_reserved'
  | 'unknown_purchase'
  | 'refund_exceeds_purchase'
  | 'currency_mismatch';

export interface LedgerError {
  code: LedgerErrorCode;
  message: string;
}

export type ApplyResult = { ok: true; state: LedgerState; postings: Posting[] } | { ok: false; error: LedgerError };

export const EMPTY_LEDGER: LedgerState = { balances: new Map(), purchases: new Map() };

export function balanceOf(state: LedgerState, account: string): number {
  return state.balances.get(account) ?? 0;
}

export function orgBalance(state: LedgerState, orgId: string): { available: number; reserved: number } {
  return { available: balanceOf(state, availableAccount(orgId)), reserved: balanceOf(state, reservedAccount(orgId)) };
}

/** The postings an operation makes, before any rule is checked. */
export function postingsFor(orgId: string, operation: CreditOperation): Posting[] {
  const available = availableAccount(orgId);
  const reserved = reservedAccount(orgId);
  const move = (from: string, to: string, amount: number): Posting[] => [
    { account: from, amount: -amount },
    { account: to, amount },
  ];
  switch (operation.kind) {
    case 'purchase':
      return move(SYSTEM_ACCOUNTS.purchases, available, operation.amount);
    case 'reserve':
      return move(available, reserved, operation.amount);
    case 'consume':
      return move(reserved, SYSTEM_ACCOUNTS.consumption, operation.amount);
    case 'release':
      return move(reserved, available, operation.amount);
    case 'refund':
      return move(available, SYSTEM_ACCOUNTS.refunds, operation.amount);
    case 'adjustment':
      return move(SYSTEM_ACCOUNTS.adjustments, available, operation.amount);
  }
}

/** Checks `tx` against the rules and returns the ledger after it, or why it is refused. */
export function applyTransaction(state: LedgerState, tx: CreditTransaction): ApplyResult {
  const { operation, orgId } = tx;
  const invalid = checkShape(operation);
  if (invalid) return { ok: false, error: invalid };

  let purchases = state.purchases;
  if (operation.kind === 'refund') {
    const purchase = state.purchases.get(operation.purchaseId);
    if (!purchase || purchase.orgId !== orgId) {
      return fail('unknown_purchase', `purchase ${operation.purchaseId} is not one of this org's purchases`);
    }
    const refused = checkRefund(purchase, operation.amount, operation.money);
    if (refused) return { ok: false, error: refused };
    purchases = new Map(purchases).set(operation.purchaseId, {
      ...purchase,
      refundedCredits: purchase.refundedCredits + operation.amount,
      refundedMinor: purchase.refundedMinor + (operation.money?.minor ?? 0),
    });
  }

  const postings = postingsFor(orgId, operation);
  const balances = new Map(state.balances);
  for (const posting of postings) balances.set(posting.account, balanceOf(state, posting.account) + posting.amount);

  if ((balances.get(availableAccount(orgId)) ?? 0) < 0) {
    return fail('insufficient_available', `not enough credits available for ${operation.kind} of ${operation.amount}`);
  }
  if ((balances.get(reservedAccount(orgId)) ?? 0) < 0) {
    return fail('insufficient_reserved', `not enough credits reserved for ${operation.kind} of ${operation.amount}`);
  }

  if (operation.kind === 'purchase') {
    purchases = new Map(purchases).set(tx.id, {
      orgId,
      credits: operation.amount,
      money: operation.money,
      refundedCredits: 0,
      refundedMinor: 0,
    });
  }
  return { ok: true, state: { balances, purchases }, postings };
}

function checkShape(operation: CreditOperation): LedgerError | undefined {
  const mayBeNegative = operation.kind === 'adjustment';
  if (!Number.isSafeInteger(operation.amount) || operation.amount === 0 || (!mayBeNegative && operation.amount < 0)) {
    return {
      code: 'invalid_amount',
      message: mayBeNegative
        ? 'an adjustment is a whole number of credits other than zero'
        : `a ${operation.kind} is a positive whole number of credits`,
    };
  }
  const money = operation.kind === 'purchase' || operation.kind === 'refund' ? operation.money : undefined;
  if (money && !isMoney(money)) {
    return {
      code: 'invalid_money',
      message: 'money is a whole, non-negative number of minor units and a three-letter currency code',
    };
  }
  return undefined;
}

function checkRefund(purchase: PurchaseRecord, credits: number, money: Money | undefined): LedgerError | undefined {
  if (purchase.refundedCredits + credits > purchase.credits) {
    return {
      code: 'refund_exceeds_purchase',
      message: `only ${purchase.credits - purchase.refundedCredits} credits of this purchase are left to refund`,
    };
  }
  if (!money) return undefined;
  if (money.currency !== purchase.money.currency) {
    return { code: 'currency_mismatch', message: `the purchase was paid in ${purchase.money.currency}` };
  }
  if (purchase.refundedMinor + money.minor > purchase.money.minor) {
    return { code: 'refund_exceeds_purchase', message: 'the refund is more money than is left of the purchase' };
  }
  return undefined;
}

export function isMoney(money: Money): boolean {
  return Number.isSafeInteger(money.minor) && money.minor >= 0 && /^[A-Z]{3}$/.test(money.currency);
}

function fail(code: LedgerErrorCode, message: string): ApplyResult {
  return { ok: false, error: { code, message } };
}
