// SMS credit purchases: one idempotency key, at most one charge, credits posted once.
//
// A payment is a `credit_purchase` row keyed by the idempotency key the billing page carries. The
// first request with a key takes the purchase link (single use) and inserts the row in one
// transaction, under the link's row lock, so of 20 parallel requests exactly one charges; the others
// wait for its outcome. The charge's invoice number is derived from the key, so when Authorize.Net's
// answer is lost (timeout, dropped connection: `ambiguous`) the charge is found again by invoice
// number, by the next request with the key, by the reconcile job, or by the webhook. A charge
// Authorize.Net approved is always credited (ledger purchase with the same key, the receipt queued
// for the org in the same transaction); one it refused, or that it never recorded, fails and gives
// the link back. See docs/payments.md.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Money } from '../credits/ledger.ts';
import { packId, type CreditPack } from '../credits/packs.ts';
import { postInTransaction } from '../credits/store.ts';
import type { AuthNetClient, TransactionResult } from '../payments/authnet/client.ts';
import { AuthNetError } from '../payments/authnet/errors.ts';
import { HttpProblem } from '../problem.ts';
import type { Queryable, Store, Transaction } from '../store/store.ts';
import { holdPurchaseLink, loadPurchaseLink, releasePurchaseLink, type PurchaseLink } from './links.ts';

export type PurchaseState = 'pending' | 'charged' | 'credited' | 'failed';

export interface CreditPurchase {
  id: number;
  idempotencyKey: string;
  invoiceNumber: string;
  linkId: string;
  orgId: string;
  userId: string;
  credits: number;
  money: Money;
  state: PurchaseState;
  /** Set while a request is charging: others with the key wait for it. */
  chargingUntil: Date | null;
  transId: string | null;
  authCode: string | null;
  /** The card's last four digits, never more. */
  cardLast4: string | null;
  cardType: string | null;
  /** Why it failed (an AuthNetErrorKind or 'not_charged'), or why it is still pending ('ambiguous', 'held'). */
  outcome: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PurchaseDeps {
  store: () => Store;
  client: () => AuthNetClient;
  packs: readonly CreditPack[];
  /** SMS_CREDIT_ALLOWANCE: the credits an org's ledger opens with (the ledger's first posting). */
  openingAllowance: number;
  /** Queues the receipt for the org in the crediting transaction (the outbox). */
  recordReceipt: (tx: Transaction, purchase: CreditPurchase) => Promise<void>;
  /** After the crediting transaction commits: deliver the receipt now. */
  wakeOutbox: (orgId: string) => Promise<void>;
  /** The Authorize.Net client's timeout: how long another request waits for a charge in flight. */
  chargeTimeoutMs: number;
  now: () => Date;
  log: FastifyBaseLogger;
  /** How often a request waiting for another's charge looks again. Default 200 ms. */
  pollMs?: number;
}

/**
 * A charge Authorize.Net has not recorded this long after we sent it never will be: the nonce it
 * carried (made before the request; Accept nonces live 15 minutes) has expired, so no delayed or
 * retried request can use it.
 */
export const NOT_CHARGED_AFTER_MS = 16 * 60_000;

// transactionStatus values: money taken; held for review (it may still be taken); anything else refused.
const APPROVED = new Set(['capturedPendingSettlement', 'settledSuccessfully']);
const HELD = new Set(['FDSPendingReview', 'FDSAuthorizedPendingReview', 'underReview']);

/** Authorize.Net's invoice number for a key: at most 20 characters, the same for every retry. */
export function invoiceNumberFor(idempotencyKey: string): string {
  return `SWC${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 17).toUpperCase()}`;
}

/** The pack a payment asks for, if the link offers it; the price always comes from CREDIT_PACKS. */
export function offeredPack(
  packs: readonly CreditPack[],
  link: PurchaseLink,
  requested: string,
): CreditPack | undefined {
  if (link.packId !== null && link.packId !== requested) return undefined;
  return packs.find((pack) => packId(pack) === requested);
}

export function linkProblem(code: 'link_invalid' | 'link_expired' | 'link_used' | 'unknown_pack'): HttpProblem {
  switch (code) {
    case 'link_invalid':
      return new HttpProblem(403, code, 'This purchase link is not valid');
    case 'link_expired':
      return new HttpProblem(410, code, 'This purchase link has expired');
    case 'link_used':
      return new HttpProblem(409, code, 'This purchase link has already been used');
    case 'unknown_pack':
      return new HttpProblem(422, code, 'This credit pack is not on offer');
  }
}

export type Begun = { purchase: CreditPurchase; mine: boolean };

/**
 * Starts the payment `key` on the link, or finds it: `mine` when this call inserted it (and so must
 * charge). Refuses (HttpProblem) a link that is unknown, expired or held by another payment, a pack
 * the link does not offer, and a key already used on another link.
 */
export async function beginPurchase(
  deps: PurchaseDeps,
  linkId: string,
  request: { idempotencyKey: string; packId: string },
): Promise<Begun> {
  const now = deps.now();
  return deps.store().transaction(async (tx) => {
    // The link's lock serialises every payment on it: the first inserts, the rest find its row.
    const link = await loadPurchaseLink(tx, linkId, { forUpdate: true });
    if (!link) throw linkProblem('link_invalid');
    const existing = await findPurchase(tx, request.idempotencyKey);
    if (existing) {
      if (existing.linkId !== link.id) {
        throw new HttpProblem(409, 'idempotency_conflict', 'This payment belongs to another purchase link');
      }
      return { purchase: existing, mine: false };
    }
    if (link.expiresAt <= now) throw linkProblem('link_expired');
    const pack = offeredPack(deps.packs, link, request.packId);
    if (!pack) throw linkProblem('unknown_pack');
    if (!(await holdPurchaseLink(tx, link.id, request.idempotencyKey))) throw linkProblem('link_used');
    const chargingUntil = new Date(now.getTime() + deps.chargeTimeoutMs + 5_000);
    const [row] = await tx.query<PurchaseRow>(
      `insert into credit_purchase (idempotency_key, invoice_number, link_id, org_id, user_id, credits, amount_minor,
         currency, state, charging_until, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $10)
       returning ${PURCHASE_COLUMNS}`,
      [
        request.idempotencyKey,
        invoiceNumberFor(request.idempotencyKey),
        link.id,
        link.orgId,
        link.userId,
        pack.credits,
        pack.price.minor,
        pack.price.currency,
        chargingUntil,
        now,
      ],
    );
    return { purchase: toPurchase(row!), mine: true };
  });
}

/** Charges the nonce for a purchase this request began, and settles what follows. */
export async function chargePurchase(
  deps: PurchaseDeps,
  purchase: CreditPurchase,
  nonce: string,
): Promise<CreditPurchase> {
  let result: TransactionResult;
  try {
    result = await deps.client().chargeNonce({
      nonce,
      amountMinor: purchase.money.minor,
      currency: purchase.money.currency,
      invoiceNumber: purchase.invoiceNumber,
      description: `Slotwise SMS credits: ${purchase.credits}`,
      capture: true,
    });
  } catch (error) {
    return afterChargeError(deps, purchase, error);
  }
  await markCharged(deps.store(), purchase.id, result, deps.now());
  return completePurchase(deps, purchase.id);
}

async function afterChargeError(deps: PurchaseDeps, purchase: CreditPurchase, error: unknown): Promise<CreditPurchase> {
  const kind = error instanceof AuthNetError ? error.kind : 'ambiguous';
  deps.log.warn(
    { purchaseId: purchase.id, kind, code: error instanceof AuthNetError ? error.code : undefined },
    'credit purchase charge not approved',
  );
  if (kind === 'held' && error instanceof AuthNetError) {
    // Authorize.Net took it for review: the reconcile job reads its outcome by transaction id.
    return updatePending(deps, purchase.id, { outcome: 'held', transId: error.transId ?? null });
  }
  // A duplicate is our own earlier charge with this invoice number, found like a lost answer.
  if (kind === 'ambiguous' || kind === 'duplicate') {
    await updatePending(deps, purchase.id, { outcome: 'ambiguous', transId: null });
    return reconcilePurchase(deps, purchase.id);
  }
  const transId = error instanceof AuthNetError ? (error.transId ?? null) : null;
  return failPurchase(deps, purchase.id, kind, transId);
}

/**
 * The outcome of a purchase another request began: waits while it is charging, then completes a
 * charged one and reconciles one whose charge did not come back.
 */
export async function settlePurchase(deps: PurchaseDeps, purchase: CreditPurchase): Promise<CreditPurchase> {
  let current = purchase;
  while (current.state === 'pending' && current.chargingUntil && current.chargingUntil > deps.now()) {
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? 200));
    current = (await findPurchase(deps.store(), current.idempotencyKey))!;
  }
  if (current.state === 'charged' || current.state === 'pending') return reconcilePurchase(deps, current.id);
  return current;
}

/**
 * Finds out what became of a charge whose answer is missing, and settles the purchase: an
 * approved transaction is credited, a refused one or none at all (once none can appear) fails it.
 * Lookups that fail leave it pending for the next try.
 */
export async function reconcilePurchase(deps: PurchaseDeps, id: number): Promise<CreditPurchase> {
  const purchase = (await findPurchaseById(deps.store(), id))!;
  if (purchase.state === 'charged') return completePurchase(deps, id);
  if (purchase.state !== 'pending') return purchase;
  if (purchase.chargingUntil && purchase.chargingUntil > deps.now()) return purchase;
  const client = deps.client();
  try {
    let transId = purchase.transId;
    if (!transId) {
      const since = new Date(purchase.createdAt.getTime() - 5 * 60_000);
      const found = await client.findByInvoiceNumber(purchase.invoiceNumber, since);
      const chosen = found.find((tx) => APPROVED.has(tx.status)) ?? found.find((tx) => HELD.has(tx.status)) ?? found[0];
      if (!chosen) {
        if (deps.now().getTime() - purchase.createdAt.getTime() < NOT_CHARGED_AFTER_MS) return purchase;
        return failPurchase(deps, id, 'not_charged', null);
      }
      transId = chosen.transId;
    }
    const details = await client.getTransactionDetails(transId);
    if (details.invoiceNumber !== undefined && details.invoiceNumber !== purchase.invoiceNumber) {
      deps.log.error({ purchaseId: id }, 'credit purchase: the transaction found has another invoice number');
      return purchase;
    }
    if (APPROVED.has(details.status)) {
      if (details.settleAmountMinor !== purchase.money.minor && details.authAmountMinor !== purchase.money.minor) {
        deps.log.error({ purchaseId: id }, 'credit purchase: the transaction found is for another amount');
        return purchase;
      }
      await markCharged(
        deps.store(),
        id,
        { transId: details.transId, authCode: undefined, last4: details.last4, cardType: undefined },
        deps.now(),
      );
      return completePurchase(deps, id);
    }
    if (HELD.has(details.status)) return updatePending(deps, id, { outcome: 'held', transId });
    return failPurchase(deps, id, 'declined', transId);
  } catch (error) {
    if (!(error instanceof AuthNetError)) throw error;
    deps.log.warn({ purchaseId: id, kind: error.kind }, 'credit purchase: reconciliation lookup failed; will retry');
    return purchase;
  }
}

/**
 * Posts the credits of a charged purchase once: the ledger purchase (same idempotency key, the
 * money and the transaction id), the state, and the org's receipt, in one transaction.
 */
export async function completePurchase(deps: PurchaseDeps, id: number): Promise<CreditPurchase> {
  const now = deps.now();
  const { purchase, posted } = await deps.store().transaction(async (tx) => {
    const [row] = await tx.query<PurchaseRow>(
      `select ${PURCHASE_COLUMNS} from credit_purchase where id = $1 for update`,
      [id],
    );
    const current = toPurchase(row!);
    if (current.state === 'credited' || !current.transId) return { purchase: current, posted: false };
    if (current.state === 'failed') {
      deps.log.warn({ purchaseId: id }, 'credit purchase: a failed purchase was charged after all; crediting it');
    }
    const result = await postInTransaction(
      tx,
      {
        orgId: current.orgId,
        idempotencyKey: current.idempotencyKey,
        reference: current.transId,
        operation: { kind: 'purchase', amount: current.credits, money: current.money },
      },
      { now, openingAllowance: deps.openingAllowance },
    );
    if (!result.ok) throw new Error(`the ledger refused a paid purchase: ${result.error.code}`);
    const [updated] = await tx.query<PurchaseRow>(
      `update credit_purchase set state = 'credited', charging_until = null, outcome = null, updated_at = $2
        where id = $1 returning ${PURCHASE_COLUMNS}`,
      [id, now],
    );
    const credited = toPurchase(updated!);
    await deps.recordReceipt(tx, credited);
    return { purchase: credited, posted: true };
  });
  if (posted) {
    deps.log.info({ purchaseId: id, orgId: purchase.orgId, credits: purchase.credits }, 'credit purchase credited');
    await deps.wakeOutbox(purchase.orgId).catch((error: unknown) => {
      deps.log.warn({ err: error, orgId: purchase.orgId }, 'outbox wake failed; the sweep delivers the receipt');
    });
  }
  return purchase;
}

async function markCharged(db: Queryable, id: number, result: TransactionResult, now: Date): Promise<void> {
  await db.query(
    `update credit_purchase
        set state = 'charged', trans_id = $2, auth_code = coalesce($3, auth_code),
            card_last4 = coalesce($4, card_last4), card_type = coalesce($5, card_type), updated_at = $6
      where id = $1 and state in ('pending', 'failed')`,
    [id, result.transId, result.authCode ?? null, validLast4(result.last4), result.cardType ?? null, now],
  );
}

async function updatePending(
  deps: PurchaseDeps,
  id: number,
  change: { outcome: string; transId: string | null },
): Promise<CreditPurchase> {
  const [row] = await deps.store().query<PurchaseRow>(
    `update credit_purchase set charging_until = null, outcome = $2, trans_id = coalesce($3, trans_id), updated_at = $4
        where id = $1 and state = 'pending' returning ${PURCHASE_COLUMNS}`,
    [id, change.outcome, change.transId, deps.now()],
  );
  return row ? toPurchase(row) : (await findPurchaseById(deps.store(), id))!;
}

/** Fails a pending purchase (never a charged one) and gives its link back for another card. */
async function failPurchase(
  deps: PurchaseDeps,
  id: number,
  outcome: string,
  transId: string | null,
): Promise<CreditPurchase> {
  return deps.store().transaction(async (tx) => {
    const [row] = await tx.query<PurchaseRow>(
      `update credit_purchase set state = 'failed', charging_until = null, outcome = $2,
              trans_id = coalesce($3, trans_id), updated_at = $4
        where id = $1 and state = 'pending' returning ${PURCHASE_COLUMNS}`,
      [id, outcome, transId, deps.now()],
    );
    if (!row) return (await findPurchaseById(tx, id))!;
    const failed = toPurchase(row);
    await releasePurchaseLink(tx, failed.linkId, failed.idempotencyKey);
    return failed;
  });
}

/**
 * Settles purchases left pending or charged (a crash, a lost answer, a review): the reconcile job's
 * pass. Charges in flight are left to their requests.
 */
export async function reconcileOpenPurchases(deps: PurchaseDeps, limit = 50): Promise<number> {
  const rows = await deps.store().query<{ id: number }>(
    `select id from credit_purchase
      where state in ('pending', 'charged') and (charging_until is null or charging_until < $1)
      order by created_at limit $2`,
    [deps.now(), limit],
  );
  let settled = 0;
  for (const { id } of rows) {
    const after = await reconcilePurchase(deps, id);
    if (after.state === 'credited' || after.state === 'failed') settled++;
  }
  return settled;
}

/**
 * A webhook naming a transaction with one of our invoice numbers (authcapture.created, or a review
 * that ended): the transaction is read back (its details decide, not the webhook) and the purchase
 * settled. A charge still in flight is waited for. Throws while the purchase stays unsettled (say
 * Authorize.Net could not be read), so the route answers 500 and Authorize.Net sends it again.
 */
export async function confirmFromWebhook(
  deps: PurchaseDeps,
  event: { invoiceNumber: string; transId: string },
): Promise<void> {
  const [row] = await deps
    .store()
    .query<{ idempotency_key: string }>('select idempotency_key from credit_purchase where invoice_number = $1', [
      event.invoiceNumber,
    ]);
  if (!row) return;
  // A purchase we gave up on (nothing found) is looked at again, now that Authorize.Net names its
  // transaction; the transaction id lets the lookup read it directly.
  await deps.store().query(
    `update credit_purchase set state = 'pending', trans_id = coalesce(trans_id, $2), updated_at = $3
      where idempotency_key = $1 and state in ('pending', 'failed')`,
    [row.idempotency_key, event.transId, deps.now()],
  );
  const purchase = (await findPurchase(deps.store(), row.idempotency_key))!;
  if (purchase.state === 'credited') return;
  const settled = await settlePurchase(deps, purchase);
  if (settled.state === 'pending' || settled.state === 'charged') {
    throw new Error('the purchase is not settled yet; Authorize.Net will send the event again');
  }
}

export async function findPurchase(db: Queryable, idempotencyKey: string): Promise<CreditPurchase | undefined> {
  const [row] = await db.query<PurchaseRow>(
    `select ${PURCHASE_COLUMNS} from credit_purchase where idempotency_key = $1`,
    [idempotencyKey],
  );
  return row && toPurchase(row);
}

async function findPurchaseById(db: Queryable, id: number): Promise<CreditPurchase | undefined> {
  const [row] = await db.query<PurchaseRow>(`select ${PURCHASE_COLUMNS} from credit_purchase where id = $1`, [id]);
  return row && toPurchase(row);
}

function validLast4(last4: string | undefined): string | null {
  return last4 && /^\d{4}$/.test(last4) ? last4 : null;
}

const PURCHASE_COLUMNS = `id, idempotency_key, invoice_number, link_id, org_id, user_id, credits, amount_minor, currency,
  state, charging_until, trans_id, auth_code, card_last4, card_type, outcome, created_at, updated_at`;

interface PurchaseRow {
  [column: string]: unknown;
  id: number;
  idempotency_key: string;
  invoice_number: string;
  link_id: string;
  org_id: string;
  user_id: string;
  credits: number;
  amount_minor: number;
  currency: string;
  state: PurchaseState;
  charging_until: Date | null;
  trans_id: string | null;
  auth_code: string | null;
  card_last4: string | null;
  card_type: string | null;
  outcome: string | null;
  created_at: Date;
  updated_at: Date;
}

function toPurchase(row: PurchaseRow): CreditPurchase {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    invoiceNumber: row.invoice_number,
    linkId: row.link_id,
    orgId: row.org_id,
    userId: row.user_id,
    credits: row.credits,
    money: { minor: row.amount_minor, currency: row.currency },
    state: row.state,
    chargingUntil: row.charging_until,
    transId: row.trans_id,
    authCode: row.auth_code,
    cardLast4: row.card_last4,
    cardType: row.card_type,
    outcome: row.outcome,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
