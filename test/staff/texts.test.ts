// Staff texts: the agenda (times in the staff member's zone, first names only, within a few
// segments) and the alerts.
import t from 'tap';
import { segmentInfo } from '../../service/src/sms/template.ts';
import { AGENDA_MAX_SEGMENTS, agendaText, alertText, formatDay } from '../../service/src/staff/texts.ts';

const at = (iso: string) => new Date(iso);

t.test('an agenda lists the day in the zone, first names only', async (t) => {
  const body = agendaText('2026-06-10', 'Europe/London', at('2026-06-10T06:30:00Z'), [
    { start: at('2026-06-10T08:30:00Z'), type: 'Initial Consultation', firstName: 'Maria' },
    { start: at('2026-06-10T13:15:00Z'), type: 'Follow-up', firstName: '' },
  ]);
  t.equal(
    body,
    ['Agenda Wed 10 Jun (BST): 2 appointments', '9:30 AM Initial Consultation, Maria', '2:15 PM Follow-up'].join('\n'),
  );
  const one = agendaText('2026-06-10', 'Asia/Kolkata', at('2026-06-10T02:00:00Z'), [
    { start: at('2026-06-10T04:00:00Z'), type: '', firstName: 'Asha' },
  ]);
  t.equal(one, 'Agenda Wed 10 Jun (IST): 1 appointment\n9:30 AM Asha');
});

t.test('a day without appointments says so', async (t) => {
  t.equal(
    agendaText('2026-06-10', 'Europe/London', at('2026-06-10T06:30:00Z'), []),
    'Agenda Wed 10 Jun: No appointments today.',
  );
});

t.test('a busy day stays within a few segments and counts the rest', async (t) => {
  const many = Array.from({ length: 30 }, (_, i) => ({
    start: new Date(Date.parse('2026-06-10T07:00:00Z') + i * 15 * 60_000),
    type: 'Initial Consultation',
    firstName: 'Bartholomew',
  }));
  const body = agendaText('2026-06-10', 'Europe/London', at('2026-06-10T06:30:00Z'), many);
  t.ok(segmentInfo(body).segments <= AGENDA_MAX_SEGMENTS, `${segmentInfo(body).segments} segments`);
  const lines = body.split('\n');
  t.equal(lines[0], 'Agenda Wed 10 Jun (BST): 30 appointments');
  t.equal(lines[1], '8:00 AM Initial Consultation, Bartholomew', 'the earliest first');
  const more = /^\+(\d+) more$/.exec(lines.at(-1)!);
  t.ok(more, 'the rest are counted');
  t.equal(lines.length - 2 + Number(more![1]), 30, 'every appointment shown or counted');
  t.ok(lines.length > 8, 'as many as fit');

  // A name outside GSM-7 makes every segment shorter: fewer lines, still within the limit.
  const accented = many.map((appointment) => ({ ...appointment, firstName: 'Zoë' }));
  const unicode = agendaText('2026-06-10', 'Europe/London', at('2026-06-10T06:30:00Z'), accented);
  t.equal(segmentInfo(unicode).encoding, 'UCS-2');
  t.ok(segmentInfo(unicode).segments <= AGENDA_MAX_SEGMENTS);
  t.ok(unicode.split('\n').length < lines.length);
});

t.test('a line after that day’s DST change carries its own zone', async (t) => {
  // Sunday 25 October 2026: BST until 01:00 UTC, GMT after. The agenda goes at 07:30 GMT.
  const body = agendaText('2026-10-25', 'Europe/London', at('2026-10-25T07:30:00Z'), [
    { start: at('2026-10-24T23:30:00Z'), type: 'Night visit', firstName: 'Ana' },
    { start: at('2026-10-25T09:00:00Z'), type: 'Follow-up', firstName: 'Tom' },
  ]);
  t.equal(body, 'Agenda Sun 25 Oct (GMT): 2 appointments\n12:30 AM BST Night visit, Ana\n9:00 AM Follow-up, Tom');
});

t.test('alerts', async (t) => {
  const appointment = { start: at('2026-06-11T09:00:00Z'), type: 'Initial Consultation', firstName: 'Maria' };
  t.equal(
    alertText('created', appointment, 'Europe/London', null),
    'New booking: Initial Consultation, Maria, Thu 11 Jun, 10:00 AM BST.',
  );
  t.equal(
    alertText('cancelled', appointment, 'America/New_York', null),
    'Cancelled: Initial Consultation, Maria, Thu 11 Jun, 5:00 AM EDT.',
  );
  t.equal(
    alertText('rescheduled', appointment, 'Europe/London', at('2026-06-10T13:30:00Z')),
    'Moved: Initial Consultation, Maria, Thu 11 Jun, 10:00 AM BST (was Wed 10 Jun, 2:30 PM BST).',
  );
  t.equal(
    alertText('created', { ...appointment, type: '', firstName: '' }, 'Asia/Kolkata', null),
    'New booking: Thu 11 Jun, 2:30 PM IST.',
  );
});

t.test('formatDay', async (t) => {
  t.equal(formatDay('2026-02-28'), 'Sat 28 Feb');
  t.equal(formatDay('2028-02-29'), 'Tue 29 Feb');
});
