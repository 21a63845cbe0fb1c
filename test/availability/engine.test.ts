// Example-based tests of the availability engine: each rule of the contract on a small case
// whose answer can be read off by hand.
import t from 'tap';
import { Temporal } from 'temporal-polyfill';
import { computeSlots } from '../../service/src/availability/engine.ts';
import type {
  AppointmentTypeRules,
  BusyInterval,
  ResourceAvailability,
  Slot,
  SlotRequest,
  WeeklyRule,
} from '../../service/src/availability/types.ts';

const LONDON = 'Europe/London';
// 2026-06-01 is a Monday; London is on BST (UTC+1).
const MONDAY = '2026-06-01';

/** The instant of a wall-clock time in a zone ('2026-06-01T09:00'). */
function at(local: string, timeZone = LONDON): number {
  return Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone).epochMilliseconds;
}

function type(rules: Partial<AppointmentTypeRules> = {}): AppointmentTypeRules {
  return {
    id: 'consult',
    durationMinutes: 30,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    slotIntervalMinutes: 30,
    minimumNoticeMinutes: 0,
    horizonDays: 60,
    capacity: 1,
    ...rules,
  };
}

function resource(id: string, rules: WeeklyRule[], more: Partial<ResourceAvailability> = {}): ResourceAvailability {
  return { id, timeZone: LONDON, rules, exceptions: [], ...more };
}

const mondayMorning: WeeklyRule = { weekday: 1, startTime: '09:00', endTime: '12:00' };

/** A request for the week from MONDAY, with `now` a week earlier unless given. */
function request(more: Partial<SlotRequest> = {}): SlotRequest {
  return {
    type: type(),
    resources: [resource('dr-a', [mondayMorning])],
    busy: [],
    from: at(`${MONDAY}T00:00`),
    to: at('2026-06-08T00:00'),
    now: at('2026-05-25T00:00'),
    ...more,
  };
}

/** Slot starts as local 'YYYY-MM-DD HH:MM' in `timeZone`. */
function local(slots: readonly Slot[], timeZone = LONDON): string[] {
  return slots.map((slot) => {
    const zdt = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(timeZone);
    return `${zdt.toPlainDate()} ${zdt.toPlainTime().toString().slice(0, 5)}`;
  });
}

function times(slots: readonly Slot[], timeZone = LONDON): string[] {
  return local(slots, timeZone).map((text) => text.slice(11));
}

t.test('a weekly rule gives starts on its grid, as instants resolved in the resource zone', async (t) => {
  const slots = computeSlots(request());
  t.strictSame(times(slots), ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);
  t.equal(slots[0]!.start, Date.parse('2026-06-01T08:00:00Z'), '09:00 BST is 08:00 UTC');
  t.equal(slots[0]!.end - slots[0]!.start, 30 * 60_000);
  t.strictSame(slots[0]!.resourceIds, ['dr-a']);
  t.equal(slots[0]!.seatsLeft, 1);
});

t.test('the interval spaces starts independently of the duration; the appointment must fit', async (t) => {
  t.strictSame(times(computeSlots(request({ type: type({ durationMinutes: 45 }) }))), [
    '09:00',
    '09:30',
    '10:00',
    '10:30',
    '11:00',
  ]);
  t.strictSame(times(computeSlots(request({ type: type({ slotIntervalMinutes: 60 }) }))), ['09:00', '10:00', '11:00']);
  t.strictSame(times(computeSlots(request({ type: type({ durationMinutes: 200 }) }))), [], 'longer than the window');
});

t.test('buffers keep busy time clear around the appointment, and may fall outside opening hours', async (t) => {
  const busy: BusyInterval[] = [{ resourceId: 'dr-a', start: at(`${MONDAY}T10:00`), end: at(`${MONDAY}T10:30`) }];
  const buffered = type({ bufferBeforeMinutes: 15, bufferAfterMinutes: 15, slotIntervalMinutes: 15 });
  // [start − 15, start + 45) must miss 10:00–10:30: start ≤ 09:15 or start ≥ 10:45.
  t.strictSame(times(computeSlots(request({ type: buffered, busy }))), [
    '09:00',
    '09:15',
    '10:45',
    '11:00',
    '11:15',
    '11:30',
  ]);
  t.strictSame(times(computeSlots(request({ type: type({ slotIntervalMinutes: 15 }), busy }))), [
    '09:00',
    '09:15',
    '09:30',
    '10:30',
    '10:45',
    '11:00',
    '11:15',
    '11:30',
  ]);
  const otherDoctor: BusyInterval[] = [{ ...busy[0]!, resourceId: 'dr-b' }];
  t.equal(computeSlots(request({ busy: otherDoctor })).length, 6, "another resource's busy time does not count");
});

t.test('minimum notice and horizon bound the starts, measured from now', async (t) => {
  const now = at(`${MONDAY}T08:10`);
  t.strictSame(times(computeSlots(request({ now, type: type({ minimumNoticeMinutes: 120 }) }))), [
    '10:30',
    '11:00',
    '11:30',
  ]);
  const twoDays = request({ resources: [resource('dr-a', [mondayMorning, { ...mondayMorning, weekday: 2 }])] });
  t.strictSame(local(computeSlots({ ...twoDays, now: at(`${MONDAY}T08:50`), type: type({ horizonDays: 1 }) })), [
    '2026-06-01 09:00',
    '2026-06-01 09:30',
    '2026-06-01 10:00',
    '2026-06-01 10:30',
    '2026-06-01 11:00',
    '2026-06-01 11:30',
  ]);
  t.strictSame(
    local(computeSlots({ ...twoDays, now: at(`${MONDAY}T09:10`), type: type({ horizonDays: 1 }) })),
    [
      '2026-06-01 09:30',
      '2026-06-01 10:00',
      '2026-06-01 10:30',
      '2026-06-01 11:00',
      '2026-06-01 11:30',
      '2026-06-02 09:00',
    ],
    'past starts are gone; the next day only before now + 24 h',
  );
});

t.test('from and to bound the starts (to excluded)', async (t) => {
  t.strictSame(times(computeSlots(request({ from: at(`${MONDAY}T09:30`), to: at(`${MONDAY}T10:30`) }))), [
    '09:30',
    '10:00',
  ]);
  t.strictSame(computeSlots(request({ from: at(`${MONDAY}T10:00`), to: at(`${MONDAY}T10:00`) })), []);
});

t.test('closed exceptions remove time, extra ones add it, and extra wins where both apply', async (t) => {
  const closed = (start: string, end: string) => ({ kind: 'closed' as const, start: at(start), end: at(end) });
  const extra = (start: string, end: string) => ({ kind: 'extra' as const, start: at(start), end: at(end) });
  const withExceptions = (...exceptions: ResourceAvailability['exceptions']) =>
    computeSlots(request({ resources: [resource('dr-a', [mondayMorning], { exceptions })] }));

  t.strictSame(times(withExceptions(closed(`${MONDAY}T10:00`, `${MONDAY}T11:00`))), [
    '09:00',
    '09:30',
    '11:00',
    '11:30',
  ]);
  t.strictSame(withExceptions(closed(`${MONDAY}T00:00`, '2026-06-02T00:00')), [], 'closed all day');
  t.strictSame(
    times(withExceptions(closed(`${MONDAY}T09:00`, `${MONDAY}T09:10`))),
    ['09:10', '09:40', '10:10', '10:40', '11:10'],
    'the grid restarts where a closure ends',
  );
  t.strictSame(local(withExceptions(extra('2026-06-06T10:00', '2026-06-06T11:00'))).slice(-2), [
    '2026-06-06 10:00',
    '2026-06-06 10:30',
  ]);
  t.strictSame(
    times(
      computeSlots({
        ...request({
          resources: [resource('dr-a', [mondayMorning], { exceptions: [extra(`${MONDAY}T12:00`, `${MONDAY}T13:00`)] })],
        }),
        type: type({ durationMinutes: 60 }),
      }),
    ),
    ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00'],
    'an extra opening next to the rule joins it: 11:30–12:30 spans both',
  );
  t.strictSame(
    times(withExceptions(closed(`${MONDAY}T09:00`, `${MONDAY}T12:00`), extra(`${MONDAY}T10:00`, `${MONDAY}T11:00`))),
    ['10:00', '10:30'],
  );
});

t.test('windows belong to one local day: an opening across midnight does not join the next day', async (t) => {
  const night = resource('dr-a', [
    { weekday: 1, startTime: '22:00', endTime: '24:00' },
    { weekday: 2, startTime: '00:00', endTime: '02:00' },
  ]);
  const slots = computeSlots(
    request({ resources: [night], type: type({ durationMinutes: 60, slotIntervalMinutes: 60 }) }),
  );
  t.strictSame(local(slots), ['2026-06-01 22:00', '2026-06-01 23:00', '2026-06-02 00:00', '2026-06-02 01:00']);
});

t.test('effective dates are inclusive dates in the resource zone', async (t) => {
  const fromTheEighth = { ...mondayMorning, effectiveFrom: '2026-06-08' };
  const untilTheEighth = { ...mondayMorning, effectiveTo: '2026-06-08' };
  const dates = (rule: WeeklyRule, timeZone = LONDON) => [
    ...new Set(
      local(
        computeSlots(
          request({
            from: at(`${MONDAY}T00:00`, timeZone),
            to: at('2026-06-22T00:00', timeZone),
            resources: [resource('dr-a', [rule], { timeZone })],
          }),
        ),
        timeZone,
      ).map((text) => text.slice(0, 10)),
    ),
  ];
  t.strictSame(dates(fromTheEighth), ['2026-06-08', '2026-06-15']);
  t.strictSame(dates(untilTheEighth), ['2026-06-01', '2026-06-08']);
  // In Auckland (UTC+12) Monday the 8th at 09:00 is Sunday the 7th in UTC: still the 8th's rule.
  t.strictSame(dates(fromTheEighth, 'Pacific/Auckland'), ['2026-06-08', '2026-06-15']);
});

t.test('seated types accept bookings of the same session until the seats are full', async (t) => {
  const classType = type({ id: 'class', capacity: 3, durationMinutes: 60, slotIntervalMinutes: 60 });
  const tenOClock = at(`${MONDAY}T10:00`);
  const seat = (seats: number, typeId = 'class'): BusyInterval => ({
    resourceId: 'dr-a',
    start: tenOClock,
    end: tenOClock + 3_600_000,
    session: { typeId, start: tenOClock, seats },
  });
  const seats = (busy: BusyInterval[]) =>
    computeSlots(request({ type: classType, busy })).map((slot) => `${times([slot])[0]} ${slot.seatsLeft}`);

  t.strictSame(seats([]), ['09:00 3', '10:00 3', '11:00 3']);
  t.strictSame(seats([seat(2)]), ['09:00 3', '10:00 1', '11:00 3'], 'one seat left at 10:00');
  t.strictSame(seats([seat(1), seat(1)]), ['09:00 3', '10:00 1', '11:00 3'], 'seats of several bookings add up');
  t.strictSame(seats([seat(2), seat(1)]), ['09:00 3', '11:00 3'], 'full');
  t.strictSame(seats([seat(1, 'other-class')]), ['09:00 3', '11:00 3'], 'another type at 10:00 is plain busy time');
  const halfPast: BusyInterval = {
    resourceId: 'dr-a',
    start: tenOClock - 1_800_000,
    end: tenOClock + 1_800_000,
    session: { typeId: 'class', start: tenOClock - 1_800_000, seats: 1 },
  };
  t.strictSame(seats([halfPast]), ['11:00 3'], 'a session of this type at another start is busy time');
  t.strictSame(
    times(
      computeSlots(request({ busy: [{ ...seat(1), session: { typeId: 'consult', start: tenOClock, seats: 1 } }] })),
    ),
    ['09:00', '09:30', '11:00', '11:30'],
    'capacity 1: the one seat is taken',
  );
});

t.test('resources merge into one slot per instant, naming the free ones', async (t) => {
  const a = resource('dr-a', [mondayMorning]);
  const b = resource('dr-b', [{ weekday: 1, startTime: '10:00', endTime: '13:00' }]);
  const busy: BusyInterval[] = [{ resourceId: 'dr-b', start: at(`${MONDAY}T10:00`), end: at(`${MONDAY}T10:30`) }];
  const slots = computeSlots(request({ resources: [a, b], busy, type: type({ slotIntervalMinutes: 60 }) }));
  t.strictSame(
    slots.map((slot) => `${times([slot])[0]} ${slot.resourceIds.join('+')}`),
    ['09:00 dr-a', '10:00 dr-a', '11:00 dr-a+dr-b', '12:00 dr-b'],
  );
  // B's grid starts at its own window's start (10:00), so 10:30 and 12:30 are B's, not A's.
  t.strictSame(
    computeSlots(request({ resources: [a, b], busy })).map((s) => `${times([s])[0]} ${s.resourceIds.join('+')}`),
    [
      '09:00 dr-a',
      '09:30 dr-a',
      '10:00 dr-a',
      '10:30 dr-a+dr-b',
      '11:00 dr-a+dr-b',
      '11:30 dr-a+dr-b',
      '12:00 dr-b',
      '12:30 dr-b',
    ],
  );

  const newYork = resource('dr-ny', [{ weekday: 1, startTime: '05:00', endTime: '06:00' }], {
    timeZone: 'America/New_York',
  });
  const merged = computeSlots(request({ resources: [a, newYork] }));
  t.strictSame(
    merged.filter((slot) => slot.resourceIds.includes('dr-ny')).map((s) => `${times([s])[0]} ${s.resourceIds}`),
    ['10:00 dr-a,dr-ny', '10:30 dr-a,dr-ny'],
    "05:00 in New York is 10:00 in London: one slot per instant whatever the resources' zones",
  );

  const classType = type({ id: 'class', capacity: 3 });
  const taken: BusyInterval = {
    resourceId: 'dr-a',
    start: at(`${MONDAY}T11:00`),
    end: at(`${MONDAY}T11:30`),
    session: { typeId: 'class', start: at(`${MONDAY}T11:00`), seats: 2 },
  };
  const eleven = computeSlots(request({ resources: [a, b], type: classType, busy: [taken] })).find(
    (slot) => slot.start === at(`${MONDAY}T11:00`),
  );
  t.equal(eleven?.seatsLeft, 3, 'seats left are the most any named resource has');
});

t.test('DST: rules are wall-clock times; skipped hours have no slots, repeated hours no duplicates', async (t) => {
  const allWeek = (startTime: string, endTime: string): WeeklyRule[] =>
    ([1, 2, 3, 4, 5, 6, 7] as const).map((weekday) => ({ weekday, startTime, endTime }));
  const day = (timeZone: string, date: string, startTime: string, endTime: string, interval = 30) =>
    computeSlots({
      type: type({ slotIntervalMinutes: interval }),
      resources: [resource('r', allWeek(startTime, endTime), { timeZone })],
      busy: [],
      from: at(`${date}T00:00`, timeZone),
      to: Temporal.PlainDate.from(date).add({ days: 1 }).toZonedDateTime(timeZone).epochMilliseconds,
      now: at(`${date}T00:00`, timeZone) - 86_400_000,
    });
  const ny = 'America/New_York';

  const fallBack = day(ny, '2026-11-01', '00:00', '04:00');
  t.equal(fallBack.length, 10, '00:00–04:00 on the fall-back night is 5 real hours');
  t.strictSame(times(fallBack, ny), [
    '00:00',
    '00:30',
    '01:00',
    '01:30',
    '01:00',
    '01:30',
    '02:00',
    '02:30',
    '03:00',
    '03:30',
  ]);
  t.equal(new Set(fallBack.map((s) => s.start)).size, 10, 'the repeated 01:00 and 01:30 are different instants');

  const springForward = day(ny, '2026-03-08', '02:30', '05:00');
  t.strictSame(times(springForward, ny), ['03:00', '03:30', '04:00', '04:30'], 'opens at the first valid instant');
  t.equal(springForward[0]!.start, Date.parse('2026-03-08T07:00:00Z'));
  t.strictSame(times(day(ny, '2026-03-08', '01:00', '02:30'), ny), ['01:00', '01:30'], 'ends at the gap');

  const insideRepeat = day(ny, '2026-11-01', '01:00', '01:30');
  t.strictSame(
    insideRepeat.map((slot) => new Date(slot.start).toISOString()),
    ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z'],
    'a rule inside the repeated hour holds at both readings of the clock',
  );

  const lordHowe = 'Australia/Lord_Howe';
  t.strictSame(
    times(day(lordHowe, '2026-10-04', '01:00', '03:30'), lordHowe),
    ['01:00', '01:30', '02:30', '03:00'],
    '02:00–02:30 skipped',
  );
  t.strictSame(
    times(day(lordHowe, '2026-04-05', '01:00', '03:00'), lordHowe),
    ['01:00', '01:30', '01:30', '02:00', '02:30'],
    '01:30–02:00 twice',
  );
  t.strictSame(
    times(day(lordHowe, '2026-10-04', '00:00', '04:00', 60), lordHowe),
    ['00:00', '01:00', '02:30', '03:30'],
    'an hourly grid steps in real time from the window start, so it moves to :30 after a 30-minute shift',
  );

  const london = day(LONDON, '2026-03-29', '00:00', '03:00');
  t.strictSame(times(london), ['00:00', '00:30', '02:00', '02:30']);

  const kolkata = day('Asia/Kolkata', '2026-03-08', '09:00', '10:00');
  t.strictSame(
    kolkata.map((slot) => new Date(slot.start).toISOString()),
    ['2026-03-08T03:30:00.000Z', '2026-03-08T04:00:00.000Z'],
    'UTC+05:30',
  );
});

t.test('invalid input throws a TypeError that says what is wrong', async (t) => {
  const cases: [string, SlotRequest, RegExp][] = [
    [
      'unknown zone',
      request({ resources: [resource('r', [mondayMorning], { timeZone: 'Mars/Olympus' })] }),
      /not a known IANA time zone/,
    ],
    [
      'end before start',
      request({ resources: [resource('r', [{ ...mondayMorning, endTime: '09:00' }])] }),
      /endTime must be after startTime/,
    ],
    ['bad time', request({ resources: [resource('r', [{ ...mondayMorning, startTime: '9:00' }])] }), /is not HH:MM/],
    [
      '24:00 start',
      request({ resources: [resource('r', [{ ...mondayMorning, startTime: '24:00', endTime: '24:00' }])] }),
      /is not HH:MM/,
    ],
    ['weekday', request({ resources: [resource('r', [{ ...mondayMorning, weekday: 8 as 1 }])] }), /weekday/],
    [
      'bad date',
      request({ resources: [resource('r', [{ ...mondayMorning, effectiveFrom: '2026-02-30' }])] }),
      /not a date/,
    ],
    [
      'reversed dates',
      request({
        resources: [resource('r', [{ ...mondayMorning, effectiveFrom: '2026-06-09', effectiveTo: '2026-06-08' }])],
      }),
      /effectiveTo is before/,
    ],
    ['zero duration', request({ type: type({ durationMinutes: 0 }) }), /durationMinutes must be > 0/],
    ['zero interval', request({ type: type({ slotIntervalMinutes: 0 }) }), /slotIntervalMinutes must be > 0/],
    ['negative buffer', request({ type: type({ bufferAfterMinutes: -5 }) }), /bufferAfterMinutes must be >= 0/],
    ['capacity', request({ type: type({ capacity: 0 }) }), /capacity/],
    ['NaN now', request({ now: Number.NaN }), /request.now must be a finite number/],
    [
      'busy reversed',
      request({ busy: [{ resourceId: 'dr-a', start: 10, end: 5 }] }),
      /busy\[0\] ends before it starts/,
    ],
    [
      'exception reversed',
      request({ resources: [resource('r', [], { exceptions: [{ kind: 'closed', start: 10, end: 5 }] })] }),
      /ends before it starts/,
    ],
    ['twice', request({ resources: [resource('r', []), resource('r', [])] }), /listed twice/],
  ];
  for (const [name, bad, message] of cases) t.throws(() => computeSlots(bad), { name: 'TypeError', message }, name);
  t.equal(computeSlots(request({ resources: [resource('r', [{ ...mondayMorning, endTime: '24:00' }])] })).length, 30);
});
