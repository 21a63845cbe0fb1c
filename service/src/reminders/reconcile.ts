// After a crash between "record the attempt" and "record Twilio's answer", or a send that got no
// answer, the attempt is looked up at Twilio before anything is sent again (docs/sms.md): a message
// to the same number with the same text, created no earlier than the attempt (less a minute of clock
// skew), is adopted as this attempt's; nothing found means nothing was sent, and the reminder is
// planned again while it is still useful.
import {
  consumeCredits,
  notSent,
  replan,
  senderKey,
  settle,
  type DispatchDeps,
  type Outcome,
  type ReminderRow,
} from './dispatch.ts';
import { markAccepted, openOutbound, type StoredOutbound } from '../sms/outbound.ts';

const CLOCK_SKEW_MS = 60_000;
const LOOKUP_LIMIT = 50;

/**
 * Reconciles one attempt: 'sent' when Twilio has it (adopted), 'not_found' when it does not (the
 * attempt is closed and its credits released; the caller decides what happens to the reminder).
 */
export async function reconcileAttempt(
  deps: DispatchDeps,
  reminder: Pick<ReminderRow, 'id' | 'org_id' | 'not_after'>,
  messageId: number,
): Promise<'sent' | 'not_found'> {
  const [message] = await deps.store.query<StoredOutbound>('select * from sms_message where id = $1', [messageId]);
  if (!message) return 'not_found';
  const now = deps.now();
  if (message.twilio_sid) {
    // The status callback (which names this message) already brought the SID.
    await deps.store.transaction(async (tx) => {
      await tx.query('update sms_message set body_ciphertext = null where id = $1', [message.id]);
      await settle(tx, reminder.id, 'sent', null, now);
    });
    return 'sent';
  }
  const { to, body } = await openOutbound(deps.envelope, message);
  if (!to || !body) {
    await notSent(deps, message.id, 'lost', now);
    return 'not_found';
  }
  const from = deps.sender.from;
  const candidates = await deps.sms.findMessages({ to, ...(from ? { from } : {}), limit: LOOKUP_LIMIT });
  const known = await deps.store.query<{ twilio_sid: string }>(
    'select twilio_sid from sms_message where org_id = $1 and twilio_sid = any($2::text[])',
    [message.org_id, candidates.map((candidate) => candidate.sid)],
  );
  const taken = new Set(known.map((row) => row.twilio_sid));
  const earliest = message.created_at.getTime() - CLOCK_SKEW_MS;
  const match = candidates.find(
    (candidate) =>
      !taken.has(candidate.sid) &&
      candidate.body === body &&
      candidate.dateCreated !== null &&
      candidate.dateCreated.getTime() >= earliest,
  );
  if (!match) {
    await notSent(deps, message.id, 'not_found', now);
    return 'not_found';
  }
  const segments = match.segments > 0 ? match.segments : (message.segments ?? 1);
  await deps.store.transaction(async (tx) => {
    await markAccepted(tx, message.id, { sid: match.sid, status: match.status, segments }, now);
    await settle(tx, reminder.id, 'sent', null, now);
    await consumeCredits(deps, tx, message.id, segments);
  });
  deps.log.info(
    { reminderId: reminder.id, messageId: message.id, sender: senderKey(deps.sender) },
    'SMS attempt reconciled: Twilio had it',
  );
  return 'sent';
}

/**
 * Reminders left in 'sending' longer than `staleMs` (their instance stopped mid-send): each is
 * taken with a fresh lease (updated_at, skip locked, so one instance handles it) and reconciled.
 */
export async function reconcileStale(deps: DispatchDeps, staleMs: number, limit: number): Promise<Outcome[]> {
  const now = deps.now();
  const stale = await deps.store.query<ReminderRow>(
    `update sms_reminder set updated_at = $1
      where id in (select id from sms_reminder where state = 'sending' and updated_at < $2
                    order by id limit $3 for update skip locked)
      returning id, org_id, appointment_id, rule_id, audience, send_at, not_after, appointment_start`,
    [now, new Date(now.getTime() - staleMs), limit],
  );
  const outcomes: Outcome[] = [];
  for (const reminder of stale) {
    const [attempt] = await deps.store.query<{ id: number; status: string | null; twilio_sid: string | null }>(
      `select id, status, twilio_sid from sms_message where reminder_id = $1 order by id desc limit 1`,
      [reminder.id],
    );
    try {
      if (attempt && (attempt.status === 'sending' || attempt.twilio_sid)) {
        if ((await reconcileAttempt(deps, reminder, attempt.id)) === 'sent') {
          outcomes.push('sent');
          continue;
        }
      }
      // No attempt in flight: the instance stopped before asking Twilio. Plan it again now.
      outcomes.push(await replan(deps.store, reminder, now, now));
    } catch (error) {
      // Twilio could not be asked: the lease runs out and the next pass tries again.
      deps.log.warn({ reminderId: reminder.id, err: error }, 'SMS reconciliation deferred');
    }
  }
  return outcomes;
}
