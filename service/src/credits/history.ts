// The credit ledger as an admin reads it (org API getCreditHistory, the console's history table).
// The ledger holds three rows per SMS (reserve, consume, release), which would bury the few events
// an admin cares about, so: purchases, refunds and adjustments are listed one by one, and SMS
// consumption is one entry per UTC day (credits used, messages sent). Reservations and releases are
// internal bookkeeping and never listed: once a message is settled their net effect on the balance
// is the consumption. Amounts are signed as the org's available balance saw them.
//
// Order: newest day first; within a day, its SMS summary first, then the day's other entries newest
// first. A day's summary keeps its place while the day grows, so paging by (day, id) is stable.
import type { Queryable } from '../store/store.ts';
import { OPENING_KEY } from './store.ts';
import type { Money } from './ledger.ts';

export const HISTORY_LIMIT_DEFAULT = 25;
export const HISTORY_LIMIT_MAX = 100;

export type HistoryKind = 'purchase' | 'refund' | 'adjustment' | 'allowance' | 'sms';

export interface HistoryEntry {
  /** The ledger transaction's id, or `sms-YYYY-MM-DD` for a day's SMS summary. */
  entryId: string;
  /** `allowance` is the adjustment that opened the ledger with the configured free credits. */
  kind: HistoryKind;
  /** Signed: what the entry did to the org's available balance. */
  credits: number;
  /** Paid (purchase) or paid back (refund); null otherwise. */
  money: Money | null;
  /** The Authorize.Net transaction id of a purchase or refund, an adjustment's note; null otherwise. */
  reference: string | null;
  /** The purchase a refund pays back (its entryId). */
  refundOf: string | null;
  /** Messages a day's SMS summary counts; null for other entries. */
  messages: number | null;
  /** The UTC day the entry belongs to. */
  day: string;
  /** When it was posted; for an SMS summary, the day's latest consumption. */
  createdAt: Date;
}

/** Where a page ended: the next page starts after this entry. */
export interface HistoryCursor {
  day: string;
  /** The entry's transaction id, or 'sms' for the day's summary (which comes before the day's others). */
  after: number | 'sms';
}

// The summary's place in the (day, seq) order: above every transaction id of its day.
const SUMMARY_SEQ = '9223372036854775807';

/** A page of the org's history, newest first, and the cursor of the page after it (null on the last). */
export async function listCreditHistory(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: HistoryCursor },
): Promise<{ entries: HistoryEntry[]; next: HistoryCursor | null }> {
  const day = page.before?.day ?? null;
  const seq = page.before === undefined ? null : page.before.after === 'sms' ? SUMMARY_SEQ : String(page.before.after);
  // Both halves stop at the cursor's day, so later pages do not read the newer part of the ledger.
  const rows = await db.query<HistoryRow>(
    `with shown as (
       select t.id::text as entry_id,
              case when t.idempotency_key = $5 then 'allowance' else t.kind end as kind,
              case when t.kind = 'refund' then -t.amount else t.amount end as credits,
              t.money_minor, t.currency, t.reference, t.refund_of::text as refund_of, null::int8 as messages,
              (t.created_at at time zone 'UTC')::date as day, t.id as seq, t.created_at
         from credit_transaction t
        where t.org_id = $1 and t.kind in ('purchase', 'refund', 'adjustment')
          and ($2::date is null or t.created_at < ($2::date + 1)::timestamp at time zone 'UTC')
     ),
     sms_days as (
       select 'sms-' || to_char(c.day, 'YYYY-MM-DD') as entry_id, 'sms' as kind, -sum(c.amount)::int8 as credits,
              null::int8 as money_minor, null::text as currency, null::text as reference, null::text as refund_of,
              count(*)::int8 as messages, c.day, ${SUMMARY_SEQ}::int8 as seq, max(c.created_at) as created_at
         from (select amount, created_at, (created_at at time zone 'UTC')::date as day
                 from credit_transaction
                where org_id = $1 and kind = 'consume'
                  and ($2::date is null or created_at < ($2::date + 1)::timestamp at time zone 'UTC')) c
        group by c.day
     )
     select entry_id, kind, credits, money_minor, currency, reference, refund_of, messages,
            to_char(day, 'YYYY-MM-DD') as day, created_at
       from (select * from shown union all select * from sms_days) e
      where $2::date is null or (day, seq) < ($2::date, $3::int8)
      order by e.day desc, seq desc
      limit $4`,
    [orgId, day, seq, page.limit + 1, OPENING_KEY],
  );
  const entries = rows.slice(0, page.limit).map(toEntry);
  const last = entries.at(-1);
  const next =
    rows.length > page.limit && last
      ? { day: last.day, after: last.kind === 'sms' ? ('sms' as const) : Number(last.entryId) }
      : null;
  return { entries, next };
}

interface HistoryRow {
  [column: string]: unknown;
  entry_id: string;
  kind: HistoryKind;
  credits: number;
  money_minor: number | null;
  currency: string | null;
  reference: string | null;
  refund_of: string | null;
  messages: number | null;
  day: string;
  created_at: Date;
}

function toEntry(row: HistoryRow): HistoryEntry {
  return {
    entryId: row.entry_id,
    kind: row.kind,
    credits: Number(row.credits),
    money:
      row.money_minor === null || row.currency === null
        ? null
        : { minor: Number(row.money_minor), currency: row.currency },
    reference: row.kind === 'allowance' || row.kind === 'sms' ? null : shownReference(row.reference),
    refundOf: row.refund_of,
    messages: row.messages === null ? null : Number(row.messages),
    day: row.day,
    createdAt: row.created_at,
  };
}

/**
 * A reference as the admin may see it. Our own code writes them (Authorize.Net transaction ids, notes)
 * and card data never reaches the service, but a history shown in another system is no place to trust
 * that: anything holding a card-like number (13 to 19 digits passing the Luhn check) is withheld.
 */
export function shownReference(reference: string | null): string | null {
  if (reference === null) return null;
  const bounded = reference.slice(0, 200);
  for (const run of bounded.match(/\d(?:[ -]?\d){12,}/g) ?? []) {
    const digits = run.replace(/\D/g, '');
    for (let length = 13; length <= 19; length++) {
      for (let start = 0; start + length <= digits.length; start++) {
        if (luhnValid(digits.slice(start, start + length))) return null;
      }
    }
  }
  return bounded;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The cursor as the API passes it around: opaque to callers. */
export function encodeHistoryCursor(cursor: HistoryCursor): string {
  return Buffer.from(`${cursor.day}|${cursor.after}`).toString('base64url');
}

/** The cursor a page handed out, or undefined when the text is not one. */
export function decodeHistoryCursor(text: string): HistoryCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})\|(sms|[1-9]\d{0,17})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const day = match[1]!;
  const midnight = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) return undefined;
  const after = match[2] === 'sms' ? ('sms' as const) : Number(match[2]);
  return after === 'sms' || Number.isSafeInteger(after) ? { day, after } : undefined;
}
