// The viewer's side of slots: days and wall-clock labels in a chosen zone, day ranges, zone names.
import t from 'tap';
import { groupByLocalDay, isValidTimeZone, localDayRange } from '../../service/src/availability/display.ts';
import type { Slot } from '../../service/src/availability/types.ts';

const HOUR_MS = 3_600_000;

function slot(iso: string, minutes = 30, seatsLeft = 1): Slot {
  const start = Date.parse(iso);
  return { start, end: start + minutes * 60_000, resourceIds: ['r'], seatsLeft };
}

t.test('slots are grouped by local date in the viewer zone, with ISO instants and HH:MM', async (t) => {
  const slots = [slot('2026-06-01T17:30:00Z'), slot('2026-06-01T18:30:00Z', 45, 3), slot('2026-06-02T03:00:00Z')];
  t.strictSame(groupByLocalDay(slots, 'Asia/Kolkata'), [
    {
      date: '2026-06-01',
      slots: [{ start: '2026-06-01T17:30:00.000Z', end: '2026-06-01T18:00:00.000Z', time: '23:00', seatsLeft: 1 }],
    },
    {
      date: '2026-06-02',
      slots: [
        { start: '2026-06-01T18:30:00.000Z', end: '2026-06-01T19:15:00.000Z', time: '00:00', seatsLeft: 3 },
        { start: '2026-06-02T03:00:00.000Z', end: '2026-06-02T03:30:00.000Z', time: '08:30', seatsLeft: 1 },
      ],
    },
  ]);
  t.strictSame(
    groupByLocalDay(slots, 'America/Los_Angeles').map((day) => [day.date, day.slots.map((s) => s.time)]),
    [['2026-06-01', ['10:30', '11:30', '20:00']]],
    'the same instants, one day in Los Angeles',
  );
  t.strictSame(groupByLocalDay([], 'UTC'), []);
});

t.test('a repeated hour shows its wall time twice, for two instants', async (t) => {
  const days = groupByLocalDay([slot('2026-11-01T05:30:00Z'), slot('2026-11-01T06:30:00Z')], 'America/New_York');
  t.strictSame(
    days[0]!.slots.map((s) => [s.time, s.start]),
    [
      ['01:30', '2026-11-01T05:30:00.000Z'],
      ['01:30', '2026-11-01T06:30:00.000Z'],
    ],
  );
});

t.test('localDayRange spans whole local days, DST-exact', async (t) => {
  const london = localDayRange('2026-03-29', '2026-03-29', 'Europe/London');
  t.equal(london.from, Date.parse('2026-03-29T00:00:00Z'));
  t.equal(london.to - london.from, 23 * HOUR_MS, 'spring forward: 23 hours');
  const newYork = localDayRange('2026-11-01', '2026-11-01', 'America/New_York');
  t.equal(newYork.from, Date.parse('2026-11-01T04:00:00Z'));
  t.equal(newYork.to - newYork.from, 25 * HOUR_MS, 'fall back: 25 hours');
  const lordHowe = localDayRange('2026-10-04', '2026-10-04', 'Australia/Lord_Howe');
  t.equal(lordHowe.to - lordHowe.from, 23.5 * HOUR_MS, 'a 30-minute shift');
  const kolkata = localDayRange('2026-06-01', '2026-06-30', 'Asia/Kolkata');
  t.equal(kolkata.from, Date.parse('2026-05-31T18:30:00Z'));
  t.equal(kolkata.to, Date.parse('2026-06-30T18:30:00Z'), 'to is the start of the day after toDate');
  // Santiago's clocks go from 00:00 to 01:00 on 2026-09-06: that day starts at 01:00.
  const santiago = localDayRange('2026-09-06', '2026-09-06', 'America/Santiago');
  t.equal(santiago.from, Date.parse('2026-09-06T04:00:00Z'));
});

t.test('localDayRange and groupByLocalDay refuse bad input with a TypeError', async (t) => {
  t.throws(() => localDayRange('2026-06-02', '2026-06-01', 'UTC'), { name: 'TypeError', message: /before from/ });
  t.throws(() => localDayRange('2026-6-1', '2026-06-01', 'UTC'), { name: 'TypeError', message: /not a date/ });
  t.throws(() => localDayRange('2026-06-01T10:00', '2026-06-01', 'UTC'), { name: 'TypeError', message: /not a date/ });
  t.throws(() => localDayRange('2026-02-29', '2026-03-01', 'UTC'), { name: 'TypeError', message: /not a date/ });
  t.throws(() => localDayRange('2026-06-01', '2026-06-01', 'Nowhere/City'), {
    name: 'TypeError',
    message: /time zone/,
  });
  t.throws(() => groupByLocalDay([], '+05:30'), { name: 'TypeError', message: /time zone/ });
});

t.test('isValidTimeZone takes IANA names only', async (t) => {
  for (const name of ['Europe/London', 'Australia/Lord_Howe', 'UTC', 'asia/kolkata']) t.ok(isValidTimeZone(name), name);
  for (const name of ['', 'Mars/Olympus', '+05:30', '-08:00', 'Europe/London[u-ca=iso8601]', 42 as unknown as string]) {
    t.notOk(isValidTimeZone(name), String(name));
  }
});
