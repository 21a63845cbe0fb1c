// Purchase links in the store (migration 0015). The token (link-token.ts) proves a link was issued
// and says when it expires; the row says whose it is, what it offers and whether a payment holds it.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/store.ts';

/** How long a purchase link works: long enough to find a card, short enough that a leaked link is soon worthless. */
export const PURCHASE_LINK_TTL_MS = 15 * 60_000;

export interface PurchaseLink {
  id: string;
  orgId: string;
  userId: string;
  /** The preselected pack, or null: every pack is offered. */
  packId: string | null;
  orgName: string;
  createdAt: Date;
  expiresAt: Date;
  /** The idempotency key of the payment holding the link, if any. */
  heldBy: string | null;
  /** The org's instance URL (its Lightning domains may frame the page). */
  instanceUrl: string;
}

export async function insertPurchaseLink(
  db: Queryable,
  link: { orgId: string; userId: string; packId: string | null; orgName: string; now: Date },
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomUUID();
  // Whole seconds: the token carries the expiry in Unix seconds.
  const expiresAt = new Date(Math.floor((link.now.getTime() + PURCHASE_LINK_TTL_MS) / 1000) * 1000);
  await db.query(
    `insert into purchase_link (id, org_id, user_id, pack_id, org_name, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [id, link.orgId, link.userId, link.packId, link.orgName.slice(0, 255), link.now, expiresAt],
  );
  return { id, expiresAt };
}

/** The link and its org's instance URL; `forUpdate` locks the row until the transaction ends. */
export async function loadPurchaseLink(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PurchaseLink | undefined> {
  const [row] = await db.query<LinkRow>(
    `select l.id, l.org_id, l.user_id, l.pack_id, l.org_name, l.created_at, l.expires_at, l.held_by, c.instance_url
       from purchase_link l join org_connection c on c.org_id = l.org_id
      where l.id = $1 and c.disconnected_at is null
      ${options.forUpdate ? 'for update of l' : ''}`,
    [id],
  );
  return row && toLink(row);
}

/** Takes the link for the payment `key`; false when another payment holds it. Call with the row locked. */
export async function holdPurchaseLink(db: Queryable, id: string, key: string): Promise<boolean> {
  const rows = await db.query(
    'update purchase_link set held_by = $2 where id = $1 and (held_by is null or held_by = $2) returning id',
    [id, key],
  );
  return rows.length === 1;
}

/** Gives the link back after the payment `key` failed for certain, so another card may be tried. */
export async function releasePurchaseLink(db: Queryable, id: string, key: string): Promise<void> {
  await db.query('update purchase_link set held_by = null where id = $1 and held_by = $2', [id, key]);
}

interface LinkRow {
  [column: string]: unknown;
  id: string;
  org_id: string;
  user_id: string;
  pack_id: string | null;
  org_name: string;
  created_at: Date;
  expires_at: Date;
  held_by: string | null;
  instance_url: string;
}

function toLink(row: LinkRow): PurchaseLink {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    packId: row.pack_id,
    orgName: row.org_name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    heldBy: row.held_by,
    instanceUrl: row.instance_url,
  };
}
