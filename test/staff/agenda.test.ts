// The agenda planner: the next agenda of each resource at its local time, today or tomorrow,
// exact across DST (London, New York, Lord Howe's half-hour shift) and in a zone without DST.
import t from 'tap';
import { AGENDA_LATE_MS, agendaTimeOf, planAgenda } from '../../service/src/staff/agenda.ts';
import type { StaffPreferences } from '../../service/src/staff/types.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function resource(timeZone: string, agendaTime: string | null, resourceId = 'a0C000000000001AAA'): StaffPreferences {
  return {
    resourceId,
    userId: '005000000000001AAA',
    timeZone,
    agendaTime,
    alerts: { created: false, rescheduled: false, cancelled: false },
  };
}

/** The one planned agenda's local date and send instant. */
function next(timeZone: string, agendaTime: string, now: string) {
  const [agenda] = planAgenda([resource(timeZone, agendaTime)], at(now));
  return { date: agenda!.date, sendAt: iso(agenda!.sendAt) };
}

t.test('today while the time is ahead, tomorrow once it has passed', async (t) => {
  t.same(next('Europe/London', '07:30', '2026-06-10T06:00:00Z'), {
    date: '2026-06-10',
    sendAt: '2026-06-10T06:30:00.000Z',
  });
  t.same(next('Europe/London', '07:30', '2026-06-10T06:30:00Z'), {
    date: '2026-06-10',
    sendAt: '2026-06-10T06:30:00.000Z',
  });
  t.same(next('Europe/London', '07:30', '2026-06-10T06:30:00.001Z'), {
    date: '2026-06-11',
    sendAt: '2026-06-11T06:30:00.000Z',
  });
  const [agenda] = planAgenda([resource('Europe/London', '07:30', 'a0C000000000009AAA')], at('2026-06-10T12:00:00Z'));
  t.equal(agenda!.dispatchKey, 'agenda:a0C000000000009AAA:2026-06-11', 'one key per resource and local day');
  t.equal(agenda!.notAfter - agenda!.sendAt, AGENDA_LATE_MS, 'dropped if it cannot go within the grace');
});

t.test('Europe/London across both changes', async (t) => {
  // Saturday 28 March 2026 is GMT; the clocks go forward at 01:00 UTC on Sunday 29 March.
  t.same(next('Europe/London', '07:30', '2026-03-28T08:00:00Z'), {
    date: '2026-03-29',
    sendAt: '2026-03-29T06:30:00.000Z',
  });
  // 01:30 does not exist on the 29th: it goes as the clock shows 02:30 BST.
  t.same(next('Europe/London', '01:30', '2026-03-28T12:00:00Z'), {
    date: '2026-03-29',
    sendAt: '2026-03-29T01:30:00.000Z',
  });
  // 01:30 happens twice on Sunday 25 October: the first time (BST).
  t.same(next('Europe/London', '01:30', '2026-10-24T12:00:00Z'), {
    date: '2026-10-25',
    sendAt: '2026-10-25T00:30:00.000Z',
  });
  t.same(next('Europe/London', '07:30', '2026-10-25T07:00:00Z'), {
    date: '2026-10-25',
    sendAt: '2026-10-25T07:30:00.000Z',
  });
});

t.test('America/New_York: the spring-forward gap and the days either side', async (t) => {
  t.same(next('America/New_York', '07:30', '2026-03-07T13:00:00Z'), {
    date: '2026-03-08',
    sendAt: '2026-03-08T11:30:00.000Z',
  });
  t.same(next('America/New_York', '07:30', '2026-03-07T12:00:00Z'), {
    date: '2026-03-07',
    sendAt: '2026-03-07T12:30:00.000Z',
  });
  t.same(next('America/New_York', '02:30', '2026-03-07T12:00:00Z'), {
    date: '2026-03-08',
    sendAt: '2026-03-08T07:30:00.000Z',
  });
  // The local day, not the UTC one: at 01:00 UTC on the 8th it is still the 7th in New York.
  t.same(next('America/New_York', '21:00', '2026-03-08T01:00:00Z'), {
    date: '2026-03-07',
    sendAt: '2026-03-08T02:00:00.000Z',
  });
});

t.test('Australia/Lord_Howe: half-hour DST', async (t) => {
  // Standard time is +10:30; on Sunday 4 October 2026 at 02:00 the clocks go to 02:30 (+11).
  t.same(next('Australia/Lord_Howe', '07:30', '2026-10-02T22:00:00Z'), {
    date: '2026-10-04',
    sendAt: '2026-10-03T20:30:00.000Z',
  });
  t.same(next('Australia/Lord_Howe', '07:30', '2026-10-02T20:00:00Z'), {
    date: '2026-10-03',
    sendAt: '2026-10-02T21:00:00.000Z',
  });
  // 02:15 does not exist on the 4th: half an hour later on the wall clock, 02:45 (+11).
  t.same(next('Australia/Lord_Howe', '02:15', '2026-10-03T12:00:00Z'), {
    date: '2026-10-04',
    sendAt: '2026-10-03T15:45:00.000Z',
  });
  // On Sunday 5 April 2026 at 02:00 (+11) the clocks go back to 01:30 (+10:30): 01:45 happens twice.
  t.same(next('Australia/Lord_Howe', '01:45', '2026-04-04T02:00:00Z'), {
    date: '2026-04-05',
    sendAt: '2026-04-04T14:45:00.000Z',
  });
});

t.test('Asia/Kolkata: +05:30 all year', async (t) => {
  t.same(next('Asia/Kolkata', '07:30', '2026-01-15T01:59:00Z'), {
    date: '2026-01-15',
    sendAt: '2026-01-15T02:00:00.000Z',
  });
  t.same(next('Asia/Kolkata', '07:30', '2026-01-15T02:01:00Z'), {
    date: '2026-01-16',
    sendAt: '2026-01-16T02:00:00.000Z',
  });
  // 20:00 UTC is already 01:30 the next day in India.
  t.same(next('Asia/Kolkata', '07:30', '2026-07-01T20:00:00Z'), {
    date: '2026-07-02',
    sendAt: '2026-07-02T02:00:00.000Z',
  });
});

t.test('no agenda time, or a zone nobody knows: no agenda', async (t) => {
  const now = at('2026-06-10T06:00:00Z');
  t.same(planAgenda([resource('Europe/London', null), resource('Mars/Olympus_Mons', '07:30')], now), []);
  t.equal(planAgenda([resource('Europe/London', '07:30'), resource('Asia/Kolkata', '07:30', 'r2')], now).length, 2);
});

t.test('agendaTimeOf reads the Time field as the REST API returns it', async (t) => {
  t.equal(agendaTimeOf('07:30:00.000Z'), '07:30');
  t.equal(agendaTimeOf('18:05'), '18:05');
  t.equal(agendaTimeOf(null), null);
  t.equal(agendaTimeOf(''), null);
  t.equal(agendaTimeOf('25:00:00.000Z'), null);
  t.equal(agendaTimeOf(730), null);
});
