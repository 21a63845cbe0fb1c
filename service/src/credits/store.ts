// The credit ledger in the store (migration 0011). Postings for one org are decided under a lock on
// the org's connection row (the same lock the SMS credits take), so two instances consuming the
// last credits at once are serialised and the second sees the first's postings. The rules are
// ledger.ts's; this file only loads what they need and writes what they allow.
import type { Queryable, Store, Transaction } from '../store/store.ts';
import {
  applyTransaction,
  availableAccount,
  reservedAccount,
  type CreditKind,
  type CreditOperation,
  type LedgerError,
  type LedgerState,
  type Money,
  type Posting,
  type PurchaseRecord,
} from './ledger.ts';

/** The key of the adjustment that opens an org's ledger with its configured allowance. */
export const OPENING_KEY = 'opening-allowance';

export interface CreditRequest {
  orgId: string;
  /** The same key again finds the first transaction instead of posting twice. */
  idempotencyKey: string;
  /** What it is about: an Authorize.Net transaction id, an sms_message id, an admin's note. */
  reference?: string;
  operation: CreditOperation;
}

export interface StoredCreditTransaction {
  id: number;
  orgId: string;
  kind: CreditKind;
  idempotencyKey: string;
  reference: string | null;
  amount: number;
  money: Money | null;
  refundOf: number | null;
  createdAt: Date;
  postings: Posting[];
}

export type PostError =
  LedgerError | { code: 'unknown_org'; message: string } | { code: 'idempotency_conflict'; message: string };

export type PostResult =
  { ok: true; transaction: StoredCreditTransaction; replayed: boolean } | { ok: false; error: PostError };

export interface PostOptions {
  now: Date;
  /** SMS_CREDIT_ALLOWANCE: what an org without a ledger starts with (less the credits it already used). */
  openingAllowance: number;
}

export interface CreditBalance {
  available: number;
  reserved: number;
}

/** Posts one transaction for an org if the rules allow it; the same idempotency key posts once. */
export async function postCreditTransaction(
  store: Store,
  request: CreditRequest,
  options: PostOptions,
): Promise<PostResult> {
  return store.transaction((tx) => postInTransaction(tx, request, options));
}

/**
 * postCreditTransaction inside the caller's transaction, so a posting commits or rolls back with the
 * caller's own writes (an SMS attempt and its reservation). Takes the org's lock until that ends.
 */
export async function postInTransaction(
  tx: Transaction,
  request: CreditRequest,
  options: PostOptions,
): Promise<PostResult> {
  if (!(await lockOrgLedger(tx, request.orgId))) {
    return { ok: false, error: { code: 'unknown_org', message: 'no such org is connected' } };
  }
  let ledger = await readLedger(tx, request.orgId, request.idempotencyKey);
  if (ledger.replay) {
    const existing = (await findCreditTransaction(tx, request.orgId, request.idempotencyKey))!;
    return sameRequest(existing, request.operation)
      ? { ok: true, transaction: existing, replayed: true }
      : {
          ok: false,
          error: {
            code: 'idempotency_conflict',
            message: 'this idempotency key was used for a different transaction',
          },
        };
  }

  if (!ledger.opened && (await openLedger(tx, request.orgId, ledger, options))) {
    ledger = await readLedger(tx, request.orgId, request.idempotencyKey);
  }
  const state = await loadState(tx, request.orgId, request.operation, ledger);
  const result = applyTransaction(state, { id: 'new', orgId: request.orgId, operation: request.operation });
  if (!result.ok) return result;
  const transaction = await insert(tx, request, result.postings, options.now);
  return { ok: true, transaction, replayed: false };
}

/**
 * Serialises an org's postings until the transaction ends; false when the org is not connected.
 * `no key update`: rows that reference the org (an SMS attempt inserted earlier in the same or
 * another transaction) hold key-share locks on it, which a plain `for update` would wait on and
 * deadlock with.
 */
async function lockOrgLedger(tx: Queryable, orgId: string): Promise<boolean> {
  const [org] = await tx.query('select 1 from org_connection where org_id = $1 for no key update', [orgId]);
  return org !== undefined;
}

/** What an org can spend and what its sends in flight hold; an org without a ledger has its opening. */
export async function creditBalance(db: Queryable, orgId: string, openingAllowance: number): Promise<CreditBalance> {
  const ledger = await readLedger(db, orgId);
  if (!ledger.opened) return { available: await openingCredits(db, orgId, openingAllowance), reserved: 0 };
  return { available: ledger.available, reserved: ledger.reserved };
}

/** The org's transactions, newest first, with their postings: the admin console's history. */
export async function creditHistory(
  db: Queryable,
  orgId: string,
  page: { limit: number; beforeId?: number },
): Promise<StoredCreditTransaction[]> {
  const rows = await db.query<TransactionRow>(
    `select ${TRANSACTION_COLUMNS} from credit_transaction t
      where org_id = $1 and ($2::int8 is null or id < $2) order by id desc limit $3`,
    [orgId, page.beforeId ?? null, page.limit],
  );
  return rows.map(toTransaction);
}

interface LedgerHead extends CreditBalance {
  /** The org has posted at least once (its opening allowance is behind it). */
  opened: boolean;
  /** The idempotency key asked about was used already. */
  replay: boolean;
}

/**
 * Everything a posting decides on, in one round trip (it runs under the org's lock, so each one
 * counts): whether the ledger is open, the running balances migration 0014's trigger keeps, and
 * whether the idempotency key was seen.
 */
async function readLedger(db: Queryable, orgId: string, idempotencyKey = ''): Promise<LedgerHead> {
  const [row] = await db.query<{ opened: boolean; available: number; reserved: number; replay: boolean }>(
    `select exists (select 1 from credit_transaction where org_id = $1) as opened,
            coalesce((select balance from credit_balance where account = $2), 0)::int8 as available,
            coalesce((select balance from credit_balance where account = $3), 0)::int8 as reserved,
            exists (select 1 from credit_transaction where org_id = $1 and idempotency_key = $4) as replay`,
    [orgId, availableAccount(orgId), reservedAccount(orgId), idempotencyKey],
  );
  return row!;
}

/** The allowance less what the org's messages used before the ledger existed (sms_credit_use). */
async function openingCredits(db: Queryable, orgId: string, allowance: number): Promise<number> {
  const [row] = await db.query<{ used: number }>(
    'select coalesce(sum(segments), 0)::int8 as used from sms_credit_use where org_id = $1',
    [orgId],
  );
  return Math.max(0, allowance - (row?.used ?? 0));
}

/**
 * The first transaction of an org is preceded by its opening allowance, so nothing it had is lost.
 * True when it posted one.
 */
async function openLedger(tx: Transaction, orgId: string, ledger: LedgerHead, options: PostOptions): Promise<boolean> {
  const opening = await openingCredits(tx, orgId, options.openingAllowance);
  if (opening === 0) return false;
  const operation: CreditOperation = { kind: 'adjustment', amount: opening };
  const result = applyTransaction(await loadState(tx, orgId, operation, ledger), { id: 'opening', orgId, operation });
  if (!result.ok) throw new Error(`the opening allowance was refused: ${result.error.message}`);
  await insert(
    tx,
    { orgId, idempotencyKey: OPENING_KEY, reference: 'SMS_CREDIT_ALLOWANCE', operation },
    result.postings,
    options.now,
  );
  return true;
}

/** The part of the ledger the rules need for this operation: the org's balances and the purchase refunded. */
async function loadState(
  tx: Queryable,
  orgId: string,
  operation: CreditOperation,
  { available, reserved }: CreditBalance,
): Promise<LedgerState> {
  const balances = new Map([
    [availableAccount(orgId), available],
    [reservedAccount(orgId), reserved],
  ]);
  const purchases = new Map<string, PurchaseRecord>();
  if (operation.kind === 'refund' && /^\d{1,15}$/.test(operation.purchaseId)) {
    const [purchase] = await tx.query<{
      amount: number;
      money_minor: number;
      currency: string;
      credits: number;
      minor: number;
    }>(
      `select p.amount, p.money_minor, p.currency,
              coalesce(sum(r.amount), 0)::int8 as credits, coalesce(sum(r.money_minor), 0)::int8 as minor
         from credit_transaction p left join credit_transaction r on r.refund_of = p.id
        where p.id = $1 and p.org_id = $2 and p.kind = 'purchase'
        group by p.id`,
      [operation.purchaseId, orgId],
    );
    if (purchase) {
      purchases.set(operation.purchaseId, {
        orgId,
        credits: purchase.amount,
        money: { minor: purchase.money_minor, currency: purchase.currency },
        refundedCredits: purchase.credits,
        refundedMinor: purchase.minor,
      });
    }
  }
  return { balances, purchases };
}

async function insert(
  tx: Queryable,
  request: CreditRequest,
  postings: Posting[],
  now: Date,
): Promise<StoredCreditTransaction> {
  const { operation } = request;
  const money = operation.kind === 'purchase' || operation.kind === 'refund' ? operation.money : undefined;
  const [row] = await tx.query<{ id: number }>(
    `insert into credit_transaction
       (org_id, kind, idempotency_key, reference, amount, money_minor, currency, refund_of, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     returning id`,
    [
      request.orgId,
      operation.kind,
      request.idempotencyKey,
      request.reference ?? null,
      operation.amount,
      money?.minor ?? null,
      money?.currency ?? null,
      operation.kind === 'refund' ? operation.purchaseId : null,
      now,
    ],
  );
  await tx.query(
    'insert into credit_posting (transaction_id, account, amount) select $1, * from unnest($2::text[], $3::int8[])',
    [row!.id, postings.map((posting) => posting.account), postings.map((posting) => posting.amount)],
  );
  return {
    id: row!.id,
    orgId: request.orgId,
    kind: operation.kind,
    idempotencyKey: request.idempotencyKey,
    reference: request.reference ?? null,
    amount: operation.amount,
    money: money ?? null,
    refundOf: operation.kind === 'refund' ? Number(operation.purchaseId) : null,
    createdAt: now,
    postings: postings.toSorted((a, b) => a.amount - b.amount),
  };
}

/** The transaction an idempotency key posted, if any. */
export async function findCreditTransaction(
  tx: Queryable,
  orgId: string,
  key: string,
): Promise<StoredCreditTransaction | undefined> {
  const [row] = await tx.query<TransactionRow>(
    `select ${TRANSACTION_COLUMNS} from credit_transaction t where org_id = $1 and idempotency_key = $2`,
    [orgId, key],
  );
  return row ? toTransaction(row) : undefined;
}

function sameRequest(existing: StoredCreditTransaction, operation: CreditOperation): boolean {
  const money = operation.kind === 'purchase' || operation.kind === 'refund' ? operation.money : undefined;
  return (
    existing.kind === operation.kind &&
    existing.amount === operation.amount &&
    existing.money?.minor === money?.minor &&
    existing.money?.currency === money?.currency &&
    String(existing.refundOf ?? '') === (operation.kind === 'refund' ? operation.purchaseId : '')
  );
}

const TRANSACTION_COLUMNS = `t.id, t.org_id, t.kind, t.idempotency_key, t.reference, t.amount, t.money_minor, t.currency,
  t.refund_of, t.created_at,
  (select coalesce(json_agg(json_build_object('account', p.account, 'amount', p.amount) order by p.amount), '[]'::json)
     from credit_posting p where p.transaction_id = t.id) as postings`;

interface TransactionRow {
  [column: string]: unknown;
  id: number;
  org_id: string;
  kind: CreditKind;
  idempotency_key: string;
  reference: string | null;
  amount: number;
  money_minor: number | null;
  currency: string | null;
  refund_of: number | null;
  created_at: Date;
  postings: Posting[];
}

function toTransaction(row: TransactionRow): StoredCreditTransaction {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    idempotencyKey: row.idempotency_key,
    reference: row.reference,
    amount: row.amount,
    money:
      row.money_minor === null || row.currency === null ? null : { minor: row.money_minor, currency: row.currency },
    refundOf: row.refund_of,
    createdAt: row.created_at,
    postings: row.postings.map((posting) => ({ account: posting.account, amount: Number(posting.amount) })),
  };
}
