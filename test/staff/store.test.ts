// The staff_sms table on PGlite and PostgreSQL: however often and by however many instances an
// agenda or alert is planned, one row exists; claims never overlap; a send a crash interrupted is
// settled from the message it left, never sent twice.
import t from 'tap';
import { migrate } from '../../service/src/store/migrate.ts';
import type { Store } from '../../service/src/store/store.ts';
import { planAgenda } from '../../service/src/staff/agenda.ts';
import { claimDue, markAttempt, reconcileStale, storeAgendaPlan, storeAlert } from '../../service/src/staff/store.ts';
import type { PlannedAlert, StaffPreferences } from '../../service/src/staff/types.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const ORG = '00D000000000001AAA';
const NOW = new Date('2026-06-10T05:00:00Z');
const MINUTE = 60_000;

function resource(resourceId: string, agendaTime: string | null): StaffPreferences {
  return {
    resourceId,
    userId: '005000000000001AAA',
    timeZone: 'Europe/London',
    agendaTime,
    alerts: { created: true, rescheduled: true, cancelled: true },
  };
}

const alert: PlannedAlert = {
  dispatchKey: 'alert:a01000000000001AAA:created:2026-06-11T09:00:00.000Z:2026-06-10T04:59:00.000Z',
  resourceId: 'a0C000000000001AAA',
  appointmentId: 'a01000000000001AAA',
  kind: 'created',
  appointmentStart: Date.parse('2026-06-11T09:00:00Z'),
  previousStart: null,
  sendAt: NOW.getTime(),
  notAfter: Date.parse('2026-06-11T09:00:00Z'),
};

async function prepared(store: Store) {
  await migrate(store);
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext,
       api_version) values ($1, 'https://x.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [ORG],
  );
}

async function rows(store: Store) {
  return store.query<{ dispatch_key: string; state: string; state_reason: string | null; send_at: Date }>(
    'select dispatch_key, state, state_reason, send_at from staff_sms order by id',
  );
}

for (const backend of BACKENDS) {
  t.test(`staff_sms on ${backend}`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await prepared(store);

    t.test('an agenda planned again, and by two instances at once, is one row', async (t) => {
      const plan = planAgenda([resource('r1', '07:30'), resource('r2', '08:00')], NOW.getTime());
      t.same(await storeAgendaPlan(store, ORG, plan, NOW), { inserted: 2, moved: 0, cancelled: 0 });
      t.same(await storeAgendaPlan(store, ORG, plan, NOW), { inserted: 0, moved: 0, cancelled: 0 });
      await Promise.all([storeAgendaPlan(store, ORG, plan, NOW), storeAgendaPlan(store, ORG, plan, NOW)]);
      t.same(
        (await rows(store)).map((row) => [row.dispatch_key, row.state, row.send_at.toISOString()]),
        [
          ['agenda:r1:2026-06-10', 'planned', '2026-06-10T06:30:00.000Z'],
          ['agenda:r2:2026-06-10', 'planned', '2026-06-10T07:00:00.000Z'],
        ],
      );
    });

    t.test('a new time moves the waiting agenda; turned off it is cancelled, on again it is back', async (t) => {
      const moved = planAgenda([resource('r1', '07:45'), resource('r2', '08:00')], NOW.getTime());
      t.same(await storeAgendaPlan(store, ORG, moved, NOW), { inserted: 0, moved: 1, cancelled: 0 });
      t.same(await storeAgendaPlan(store, ORG, planAgenda([resource('r2', '08:00')], NOW.getTime()), NOW), {
        inserted: 0,
        moved: 0,
        cancelled: 1,
      });
      t.match(await rows(store), [{ state: 'cancelled', state_reason: 'agenda_off' }, { state: 'planned' }]);
      t.same(await storeAgendaPlan(store, ORG, moved, NOW), { inserted: 0, moved: 1, cancelled: 0 });
      t.match(await rows(store), [{ state: 'planned', state_reason: null }, { state: 'planned' }]);
    });

    t.test('a due agenda is the dispatcher’s, not cancelled when the plan moves on to tomorrow', async (t) => {
      // 07:50 in London: r1's 07:45 has passed (its agenda is due), r2's 08:00 is still ahead.
      const later = new Date('2026-06-10T06:50:00Z');
      const plan = planAgenda([resource('r1', '07:45'), resource('r2', '08:00')], later.getTime());
      t.same(
        plan.map((agenda) => agenda.dispatchKey),
        ['agenda:r1:2026-06-11', 'agenda:r2:2026-06-10'],
      );
      t.same(await storeAgendaPlan(store, ORG, plan, later), { inserted: 1, moved: 0, cancelled: 0 });
      t.match(await rows(store), [{ state: 'planned' }, { state: 'planned' }, { state: 'planned' }]);
    });

    t.test('two instances claim disjoint rows', async (t) => {
      const at = new Date('2026-06-10T08:00:00Z');
      const [a, b] = await Promise.all([claimDue(store, at, 10), claimDue(store, at, 10)]);
      const ids = [...a!, ...b!].map((row) => row.id);
      t.equal(ids.length, 2, 'both due agendas, once');
      t.equal(new Set(ids).size, 2);
      t.same(await claimDue(store, at, 10), [], 'nothing left to claim');
      // Put them back for the next test.
      await store.query(`update staff_sms set state = 'planned' where state = 'sending'`);
    });

    t.test('an alert stored by every instance that hears the event is one row', async (t) => {
      const stored = await Promise.all([
        storeAlert(store, ORG, alert, NOW),
        storeAlert(store, ORG, alert, NOW),
        storeAlert(store, ORG, alert, NOW),
      ]);
      t.same(
        stored.filter((inserted) => inserted),
        [true],
      );
      t.equal(await storeAlert(store, ORG, alert, NOW), false, 'a repeated event stores nothing');
      const [row] = await store.query<{ n: number }>(`select count(*)::int8 as n from staff_sms where kind = 'alert'`);
      t.equal(row!.n, 1);
    });

    t.test('after a crash: the message found settles the row, nothing found plans it again', async (t) => {
      await store.query(`update staff_sms set state = 'cancelled'`);
      await store.query(`update staff_sms set state = 'planned', send_at = $1 where kind = 'alert'`, [NOW]);
      const agenda = planAgenda([resource('r3', '06:30')], NOW.getTime());
      await storeAgendaPlan(store, ORG, agenda, NOW);
      const dueAt = new Date('2026-06-10T06:00:00Z');
      const claimed = await claimDue(store, dueAt, 10);
      t.equal(claimed.length, 2);
      const alertRow = claimed.find((row) => row.kind === 'alert')!;
      const agendaRow = claimed.find((row) => row.kind === 'agenda')!;
      // The alert's send began and sendReply recorded a message Twilio accepted; the agenda's never began.
      await markAttempt(store, alertRow.id, 'hash-1', dueAt);
      await store.query(
        `insert into sms_message (org_id, direction, kind, recipient_hash, twilio_sid, status, created_at)
         values ($1, 'outbound', 'staff_alert', 'hash-1', $2, 'queued', $3)`,
        [ORG, 'SM' + 'a'.repeat(32), new Date(dueAt.getTime() + 1000)],
      );
      const later = new Date(dueAt.getTime() + 5 * MINUTE);
      t.equal(await reconcileStale(store, 10 * MINUTE, later), 0, 'not stale yet');
      t.equal(await reconcileStale(store, 2 * MINUTE, later), 2);
      const after = await store.query<{ kind: string; state: string; message_id: number | null }>(
        'select kind, state, message_id from staff_sms where id = any($1::int8[]) order by kind',
        [[alertRow.id, agendaRow.id]],
      );
      t.match(after, [
        { kind: 'agenda', state: 'planned', message_id: null },
        { kind: 'alert', state: 'sent' },
      ]);
      t.ok(after[1]!.message_id, 'the message is linked');

      // A send recorded but never answered: Twilio may have it, so it is not sent again.
      const [again] = await claimDue(store, later, 1);
      await markAttempt(store, again!.id, 'hash-2', later);
      await store.query(
        `insert into sms_message (org_id, direction, kind, recipient_hash, status, created_at)
         values ($1, 'outbound', 'agenda', 'hash-2', 'sending', $2)`,
        [ORG, later],
      );
      await reconcileStale(store, 2 * MINUTE, new Date(later.getTime() + 5 * MINUTE));
      t.match(await store.query('select state, state_reason from staff_sms where id = $1', [again!.id]), [
        { state: 'failed', state_reason: 'interrupted' },
      ]);
    });
  });
}
