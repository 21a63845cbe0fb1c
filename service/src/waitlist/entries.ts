// Waitlist entries in the store: one live entry per (org, type, day, number), at most
// MAX_LIVE_ENTRIES_PER_NUMBER live entries per number and org, the number and name encrypted and
// bound to the row, cleared as soon as the entry is over. The line is first come, first offered.
import type { Envelope } from '../crypto/envelope.ts';
import type { EncryptedColumn } from '../crypto/rotation.ts';
import type { Queryable, Store } from '../store/store.ts';
import { waitlistProblem } from './errors.ts';

/** Registered with key rotation by plugins/waitlist.ts. */
export const ENTRY_RECIPIENT_COLUMN: EncryptedColumn = {
  table: 'waitlist_entry',
  column: 'recipient_ciphertext',
  idColumn: 'id',
};
export const ENTRY_NAME_COLUMN: EncryptedColumn = {
  table: 'waitlist_entry',
  column: 'name_ciphertext',
  idColumn: 'id',
};

/** Live entries one number may have with one org: enough for a few days, not enough to flood a clinic. */
export const MAX_LIVE_ENTRIES_PER_NUMBER = 5;

export type EntryState = 'waiting' | 'offered' | 'booked' | 'expired' | 'left';

export interface NewEntry {
  orgId: string;
  typeId: string;
  /** 'YYYY-MM-DD' in timeZone. */
  day: string;
  timeZone: string;
  dayStart: Date;
  dayEnd: Date;
  recipientHash: string;
  /** E.164. */
  phone: string;
  name: string;
  consentTextVersion: string;
}

export type EntryRow = {
  id: number;
  org_id: string;
  type_id: string;
  day: string;
  time_zone: string;
  day_start: Date;
  day_end: Date;
  recipient_hash: string;
  consent_text_version: string;
  state: EntryState;
  created_at: Date;
};

export interface JoinedEntry {
  id: number;
  state: EntryState;
  /** 1 for the first in line for this day. */
  position: number;
  /** The number was already on the waitlist for this day: nothing new was added. */
  replayed: boolean;
}

const UNIQUE_VIOLATION = '23505';
const LIVE = `state in ('waiting', 'offered')`;

const cipherContext = (column: EncryptedColumn, id: number) => ({
  table: column.table,
  column: column.column,
  rowId: String(id),
});

/** Adds the entry, or finds the live one of this number for this type and day. */
export async function addEntry(store: Store, envelope: Envelope, entry: NewEntry, now: Date): Promise<JoinedEntry> {
  const earlier = await liveEntry(store, entry);
  if (earlier) return { ...earlier, replayed: true };
  let id: number;
  try {
    id = await store.transaction(async (tx) => {
      // Two joins racing for the limit can both pass this count: one entry over it at worst.
      const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
        `select count(*)::int as n from waitlist_entry where org_id = $1 and recipient_hash = $2 and ${LIVE}`,
        [entry.orgId, entry.recipientHash],
      );
      if (n >= MAX_LIVE_ENTRIES_PER_NUMBER) {
        throw waitlistProblem(
          'waitlist_limit',
          'This number is already on the waitlist for as many days as it can be',
          `A number can wait for at most ${MAX_LIVE_ENTRIES_PER_NUMBER} days at once. Book a free time, or wait for an offer.`,
        );
      }
      const [row] = await tx.query<{ id: number }>(
        `insert into waitlist_entry (org_id, type_id, day, time_zone, day_start, day_end, recipient_hash,
           consent_text_version, state, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9, $9) returning id`,
        [
          entry.orgId,
          entry.typeId,
          entry.day,
          entry.timeZone,
          entry.dayStart,
          entry.dayEnd,
          entry.recipientHash,
          entry.consentTextVersion,
          now,
        ],
      );
      await tx.query(`update waitlist_entry set recipient_ciphertext = $2, name_ciphertext = $3 where id = $1`, [
        row!.id,
        await envelope.encrypt(entry.phone, cipherContext(ENTRY_RECIPIENT_COLUMN, row!.id)),
        await envelope.encrypt(entry.name, cipherContext(ENTRY_NAME_COLUMN, row!.id)),
      ]);
      return row!.id;
    });
  } catch (error) {
    // The same number joined the same day at the same moment: theirs is the entry.
    if ((error as { code?: string } | null)?.code !== UNIQUE_VIOLATION) throw error;
    const winner = await liveEntry(store, entry);
    if (!winner) throw error;
    return { ...winner, replayed: true };
  }
  return { id, state: 'waiting', position: await positionOf(store, id), replayed: false };
}

async function liveEntry(db: Queryable, entry: NewEntry): Promise<Omit<JoinedEntry, 'replayed'> | undefined> {
  const [row] = await db.query<{ id: number; state: EntryState }>(
    `select id, state from waitlist_entry
      where org_id = $1 and type_id = $2 and day = $3 and recipient_hash = $4 and ${LIVE}`,
    [entry.orgId, entry.typeId, entry.day, entry.recipientHash],
  );
  return row && { id: row.id, state: row.state, position: await positionOf(db, row.id) };
}

/** The entry's place among the live entries for its type and day. */
async function positionOf(db: Queryable, id: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from waitlist_entry e, waitlist_entry me
      where me.id = $1 and e.org_id = me.org_id and e.type_id = me.type_id and e.day = me.day
        and e.${LIVE} and (e.created_at, e.id) <= (me.created_at, me.id)`,
    [id],
  );
  return row?.n ?? 1;
}

export async function entryById(db: Queryable, id: number, forUpdate = false): Promise<EntryRow | undefined> {
  const [row] = await db.query<EntryRow>(
    `select id, org_id, type_id, day, time_zone, day_start, day_end, recipient_hash, consent_text_version, state,
            created_at
       from waitlist_entry where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row;
}

/** The number and name of a live entry, decrypted; undefined once the entry is over. */
export async function entryContact(
  db: Queryable,
  envelope: Envelope,
  id: number,
): Promise<{ phone: string; name: string } | undefined> {
  const [row] = await db.query<{ recipient_ciphertext: Buffer | null; name_ciphertext: Buffer | null }>(
    `select recipient_ciphertext, name_ciphertext from waitlist_entry where id = $1`,
    [id],
  );
  if (!row?.recipient_ciphertext || !row.name_ciphertext) return undefined;
  return {
    phone: await envelope.decryptText(row.recipient_ciphertext, cipherContext(ENTRY_RECIPIENT_COLUMN, id)),
    name: await envelope.decryptText(row.name_ciphertext, cipherContext(ENTRY_NAME_COLUMN, id)),
  };
}

/** The entry waits again (its offer was not sent, or the slot was lost): its place in line is kept. */
export async function backInLine(tx: Queryable, id: number, now: Date): Promise<void> {
  await tx.query(`update waitlist_entry set state = 'waiting', updated_at = $2 where id = $1 and state = 'offered'`, [
    id,
    now,
  ]);
}

/** The entry is over: its number and name are deleted with it. */
export async function closeEntry(
  tx: Queryable,
  id: number,
  state: 'booked' | 'expired' | 'left',
  now: Date,
): Promise<void> {
  await tx.query(
    `update waitlist_entry set state = $2, recipient_ciphertext = null, name_ciphertext = null, updated_at = $3
      where id = $1 and ${LIVE}`,
    [id, state, now],
  );
}

/** Entries still waiting when their day is over: closed, their numbers and names deleted. */
export async function closePastEntries(store: Store, now: Date): Promise<number> {
  const rows = await store.query(
    `update waitlist_entry set state = 'expired', recipient_ciphertext = null, name_ciphertext = null, updated_at = $1
      where state = 'waiting' and day_end <= $1 returning id`,
    [now],
  );
  return rows.length;
}

/** The waiting entries of a type whose day has not ended, first in line first. */
export async function waitingLine(db: Queryable, orgId: string, typeId: string, now: Date): Promise<EntryRow[]> {
  return db.query<EntryRow>(
    `select id, org_id, type_id, day, time_zone, day_start, day_end, recipient_hash, consent_text_version, state,
            created_at
       from waitlist_entry
      where org_id = $1 and type_id = $2 and state = 'waiting' and day_end > $3
      order by created_at, id`,
    [orgId, typeId, now],
  );
}

/**
 * The types with someone waiting on a day that overlaps [from, to) (a freed time there may serve
 * them), or on any day when no range is given.
 */
export async function typesWaiting(db: Queryable, orgId: string, range?: { from: Date; to: Date }): Promise<string[]> {
  const rows = await db.query<{ type_id: string }>(
    `select distinct type_id from waitlist_entry
      where org_id = $1 and state = 'waiting' and ($2::timestamptz is null or (day_start < $3 and day_end > $2))`,
    [orgId, range?.from ?? null, range?.to ?? null],
  );
  return rows.map((row) => row.type_id);
}
