// The staff_sms table (migration 0012): the planners' decisions stored once per dispatch key, and
// the dispatcher's claims and outcomes. Every write that ends a send starts from 'sending', the
// state the claiming instance put the row in, so two instances never both finish one row.
import type { Queryable, Store } from '../store/store.ts';
import { APPOINTMENT_OBJECT } from '../sync/sync.ts';
import type { PlannedAgenda, PlannedAlert } from './types.ts';

export type StaffSmsRow = {
  id: number;
  org_id: string;
  kind: 'agenda' | 'alert';
  resource_id: string;
  agenda_date: string | null;
  appointment_id: string | null;
  alert_kind: 'created' | 'rescheduled' | 'cancelled' | null;
  appointment_start: Date | null;
  previous_start: Date | null;
  send_at: Date;
  not_after: Date;
};

export type FinalState = 'sent' | 'skipped' | 'cancelled' | 'failed';

export interface StoredAgendaPlan {
  inserted: number;
  moved: number;
  cancelled: number;
}

/**
 * Stores an org's agenda plan: each planned agenda inserted once, or moved to its new time while it
 * still waits (the staff member changed the time), or planned again after it was turned off and on;
 * every later agenda of the org still waiting that is no longer in the plan (agenda turned off,
 * resource inactive) is cancelled 'agenda_off'. Agendas already due are left to the dispatcher.
 */
export async function storeAgendaPlan(
  store: Store,
  orgId: string,
  agendas: readonly PlannedAgenda[],
  now: Date,
): Promise<StoredAgendaPlan> {
  return store.transaction(async (tx) => {
    let inserted = 0;
    let moved = 0;
    for (const agenda of agendas) {
      const rows = await tx.query<{ inserted: boolean }>(
        `insert into staff_sms
           (org_id, dispatch_key, kind, resource_id, agenda_date, send_at, not_after, state, created_at, updated_at)
         values ($1, $2, 'agenda', $3, $4, $5, $6, 'planned', $7, $7)
         on conflict (org_id, dispatch_key) do update set
           state = 'planned', state_reason = null, send_at = excluded.send_at, not_after = excluded.not_after,
           updated_at = excluded.updated_at
         where (staff_sms.state = 'planned' and staff_sms.send_at <> excluded.send_at)
            or (staff_sms.state = 'cancelled' and staff_sms.state_reason = 'agenda_off')
         returning (xmax = 0) as inserted`,
        [
          orgId,
          agenda.dispatchKey,
          agenda.resourceId,
          agenda.date,
          new Date(agenda.sendAt),
          new Date(agenda.notAfter),
          now,
        ],
      );
      for (const row of rows) {
        if (row.inserted) inserted++;
        else moved++;
      }
    }
    const cancelled = await tx.query(
      `update staff_sms set state = 'cancelled', state_reason = 'agenda_off', updated_at = $3
        where org_id = $1 and kind = 'agenda' and state = 'planned' and send_at > $3
          and not (dispatch_key = any($2::text[]))
        returning id`,
      [orgId, agendas.map((agenda) => agenda.dispatchKey), now],
    );
    return { inserted, moved, cancelled: cancelled.length };
  });
}

/** Stores an alert once per dispatch key; true when this call stored it. */
export async function storeAlert(store: Queryable, orgId: string, alert: PlannedAlert, now: Date): Promise<boolean> {
  const rows = await store.query(
    `insert into staff_sms
       (org_id, dispatch_key, kind, resource_id, appointment_id, alert_kind, appointment_start, previous_start,
        send_at, not_after, state, created_at, updated_at)
     values ($1, $2, 'alert', $3, $4, $5, $6, $7, $8, $9, 'planned', $10, $10)
     on conflict (org_id, dispatch_key) do nothing
     returning id`,
    [
      orgId,
      alert.dispatchKey,
      alert.resourceId,
      alert.appointmentId,
      alert.kind,
      new Date(alert.appointmentStart),
      alert.previousStart === null ? null : new Date(alert.previousStart),
      new Date(alert.sendAt),
      new Date(alert.notAfter),
      now,
    ],
  );
  return rows.length > 0;
}

/**
 * Whether sync has never finished a pass over the org's appointments: its first pass reads every
 * appointment the org has as new, which is history, not bookings to alert anyone of.
 */
export async function isFirstSync(db: Queryable, orgId: string): Promise<boolean> {
  const rows = await db.query('select 1 from org_sync_state where org_id = $1 and object = $2', [
    orgId,
    APPOINTMENT_OBJECT,
  ]);
  return rows.length === 0;
}

/** Claims up to `limit` due rows for this instance: planned → sending. */
export async function claimDue(store: Store, now: Date, limit: number): Promise<StaffSmsRow[]> {
  return store.query<StaffSmsRow>(
    `update staff_sms set state = 'sending', attempt_at = null, recipient_hash = null, updated_at = $1
      where id in (select id from staff_sms where state = 'planned' and send_at <= $1
                    order by send_at, id limit $2 for update skip locked)
      returning id, org_id, kind, resource_id, agenda_date, appointment_id, alert_kind, appointment_start,
                previous_start, send_at, not_after`,
    [now, limit],
  );
}

/** Ends a claimed row's dispatch. */
export async function settle(
  db: Queryable,
  id: number,
  state: FinalState,
  reason: string | null,
  now: Date,
  messageId: number | null = null,
): Promise<void> {
  await db.query(
    `update staff_sms set state = $2, state_reason = $3, message_id = coalesce($5, message_id), updated_at = $4
      where id = $1 and state = 'sending'`,
    [id, state, reason, now, messageId],
  );
}

/** Back to planned for another try at `at` (`reason` says why it waits), or failed 'expired' when that is too late. */
export async function retryAt(
  db: Queryable,
  row: Pick<StaffSmsRow, 'id' | 'not_after'>,
  at: Date,
  reason: string | null,
  now: Date,
): Promise<'retry' | 'failed'> {
  if (at.getTime() >= row.not_after.getTime()) {
    await settle(db, row.id, 'failed', 'expired', now);
    return 'failed';
  }
  await db.query(
    `update staff_sms set state = 'planned', send_at = $2, state_reason = $3, attempt_at = null,
       recipient_hash = null, updated_at = $4
      where id = $1 and state = 'sending'`,
    [row.id, at, reason, now],
  );
  return 'retry';
}

/** A claimed agenda whose staff member chose a later time since it was planned: back to planned at that time. */
export async function moveAgenda(db: Queryable, id: number, sendAt: Date, notAfter: Date, now: Date): Promise<void> {
  await db.query(
    `update staff_sms set state = 'planned', send_at = $2, not_after = $3, state_reason = null, updated_at = $4
      where id = $1 and state = 'sending'`,
    [id, sendAt, notAfter, now],
  );
}

/** Notes that a send to `recipientHash` begins now: what reconcileStale looks for after a crash. */
export async function markAttempt(db: Queryable, id: number, recipientHash: string, now: Date): Promise<void> {
  await db.query(
    `update staff_sms set attempt_at = $3, recipient_hash = $2, updated_at = $3 where id = $1 and state = 'sending'`,
    [id, recipientHash, now],
  );
}

/** The sms_message kind of each staff SMS. */
export const MESSAGE_KIND = { agenda: 'agenda', alert: 'staff_alert' } as const;

/**
 * Rows left 'sending' longer than `staleMs` by an instance that stopped. One whose send never began
 * is planned again. One whose send began is matched to the message sendReply recorded for it (same
 * org, kind and recipient, made after the attempt began): accepted by Twilio → sent; recorded but
 * never answered → failed 'interrupted', since Twilio may have it and texting twice is worse than
 * once too few; nothing recorded → planned again. Returns how many rows it settled or replanned.
 */
export async function reconcileStale(store: Store, staleMs: number, now: Date): Promise<number> {
  const stale = await store.query<{
    id: number;
    org_id: string;
    kind: 'agenda' | 'alert';
    attempt_at: Date | null;
    recipient_hash: string | null;
    not_after: Date;
  }>(
    `select id, org_id, kind, attempt_at, recipient_hash, not_after from staff_sms
      where state = 'sending' and updated_at < $1 order by id limit 100`,
    [new Date(now.getTime() - staleMs)],
  );
  for (const row of stale) {
    const [message] =
      row.attempt_at && row.recipient_hash
        ? await store.query<{ id: number; twilio_sid: string | null }>(
            `select id, twilio_sid from sms_message
              where org_id = $1 and kind = $2 and recipient_hash = $3 and created_at >= $4 order by id limit 1`,
            [row.org_id, MESSAGE_KIND[row.kind], row.recipient_hash, row.attempt_at],
          )
        : [];
    if (!message) await retryAt(store, row, now, null, now);
    else if (message.twilio_sid) await settle(store, row.id, 'sent', null, now, message.id);
    else await settle(store, row.id, 'failed', 'interrupted', now, message.id);
  }
  return stale.length;
}

/** Finished rows older than `before` go: their keys only matter while a repeat could still come. */
export async function pruneFinished(store: Store, before: Date): Promise<number> {
  const rows = await store.query(
    `delete from staff_sms where state not in ('planned', 'sending') and updated_at < $1 returning id`,
    [before],
  );
  return rows.length;
}
