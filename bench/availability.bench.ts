import { Temporal } from 'temporal-polyfill';
import { groupByLocalDay } from '../service/src/availability/display.ts';
import { computeSlots } from '../service/src/availability/engine.ts';
import type {
  AvailabilityException,
  BusyInterval,
  IsoWeekday,
  ResourceAvailability,
  Slot,
  SlotRequest,
  WeeklyRule,
} from '../service/src/availability/types.ts';
import { validateRequest } from '../service/src/availability/validate.ts';
import { DAY_MS, MINUTE_MS, openWindows, prepareResource } from '../service/src/availability/windows.ts';
import { offsetSegments } from '../service/src/availability/zone.ts';
import type { DaySlots } from '../service/src/booking/types.ts';
import type { BenchConfig } from './config.ts';
import { compareSequential } from './measure.ts';
import type { ResultRow } from './results.ts';

const RESOURCES = 20;
/** Zones of the resources in turn: two DST changes fall in the month (New York, London). */
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
const MONTH_FROM = Date.parse('2026-03-01T00:00:00Z');
const MONTH_TO = Date.parse('2026-04-01T00:00:00Z');

/**
 * Slots for one month of 20 resources, compute only: the engine (computeSlots) against a naive
 * engine measured in the same run on the same request, which resolves the same open windows but
 * checks every candidate start against every busy interval of the request. Both answers are
 * compared before timing, so the rows measure the same result.
 */
export async function benchAvailability(config: BenchConfig): Promise<ResultRow[]> {
  const request = monthRequest();
  const expected = computeSlots(request);
  const naive = naiveSlots(request);
  if (JSON.stringify(naive) !== JSON.stringify(expected)) {
    throw new Error('the naive availability baseline disagrees with the engine');
  }
  const [naiveSummary, engineSummary] = await compareSequential(
    [async () => naiveSlots(request), async () => computeSlots(request)],
    config.availabilityWarmup,
    config.availabilityIterations,
  );
  const size =
    `${RESOURCES} resources × 1 month: ${request.busy.length} busy intervals, ` +
    `${request.resources.reduce((n, r) => n + r.exceptions.length, 0)} exceptions, ${expected.length} slots`;
  const baseline: ResultRow = {
    backend: '-',
    measure: `availability, naive: every candidate × every busy interval`,
    unit: 'ops/s',
    summary: naiveSummary!,
    note:
      `the baseline of the availability row, measured in this run on the same request (${size}): the same open ` +
      'windows, then each candidate start checked against every busy interval of the request, resource or not.',
  };
  return [
    baseline,
    {
      backend: '-',
      measure: `availability, computeSlots (${RESOURCES} resources, 1 month)`,
      unit: 'ops/s',
      summary: engineSummary!,
      note: `one op computes every slot of the month (${size}); busy time per resource merged once, then one moving pointer.`,
      baseline: { row: baseline, basis: 'p50' },
    },
    ...(await benchGrouping(expected, config)),
  ];
}

/** The zone the month's slots are shown in: its clocks go forward on 2026-03-08. */
const VIEWER_ZONE = 'America/New_York';

/**
 * The month's slots grouped by the viewer's local day (what the slots endpoint sends), against a
 * ZonedDateTime per slot measured in the same run, after checking both give the same days.
 */
async function benchGrouping(slots: Slot[], config: BenchConfig): Promise<ResultRow[]> {
  if (JSON.stringify(temporalPerSlot(slots, VIEWER_ZONE)) !== JSON.stringify(groupByLocalDay(slots, VIEWER_ZONE))) {
    throw new Error('the Temporal-per-slot grouping baseline disagrees with groupByLocalDay');
  }
  const [temporalSummary, groupingSummary] = await compareSequential(
    [async () => temporalPerSlot(slots, VIEWER_ZONE), async () => groupByLocalDay(slots, VIEWER_ZONE)],
    config.availabilityWarmup,
    config.availabilityIterations,
  );
  const baseline: ResultRow = {
    backend: '-',
    measure: 'slots by local day, a Temporal ZonedDateTime per slot',
    unit: 'ops/s',
    summary: temporalSummary!,
    note:
      `the baseline of the groupByLocalDay row: the month's ${slots.length} slots in ${VIEWER_ZONE}, each slot's ` +
      'local date and time read from its own ZonedDateTime and its instants printed by Temporal.',
  };
  return [
    baseline,
    {
      backend: '-',
      measure: `slots by local day, groupByLocalDay (${slots.length} slots)`,
      unit: 'ops/s',
      summary: groupingSummary!,
      note: `the same slots and zone; the zone's offsets read once per call, then epoch arithmetic per slot.`,
      baseline: { row: baseline, basis: 'p50' },
    },
  ];
}

/** The same days as groupByLocalDay, the straightforward way. */
function temporalPerSlot(slots: readonly Slot[], timeZone: string): DaySlots[] {
  const days: DaySlots[] = [];
  const iso = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toString({ fractionalSecondDigits: 3 });
  for (const slot of slots) {
    const local = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(timeZone);
    const date = local.toPlainDate().toString();
    let day = days[days.length - 1];
    if (day?.date !== date) {
      day = { date, slots: [] };
      days.push(day);
    }
    day.slots.push({
      start: iso(slot.start),
      end: iso(slot.end),
      time: `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`,
      seatsLeft: slot.seatsLeft,
    });
  }
  return days;
}

/** A small deterministic generator (mulberry32), so every run measures the same request. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function monthRequest(): SlotRequest {
  const next = random(20260301);
  const resources: ResourceAvailability[] = [];
  const busy: BusyInterval[] = [];
  for (let i = 0; i < RESOURCES; i++) {
    const id = `resource-${i}`;
    const rules: WeeklyRule[] = [];
    for (let weekday = 1; weekday <= 5; weekday++) {
      rules.push({ weekday: weekday as IsoWeekday, startTime: '09:00', endTime: '12:30' });
      rules.push({ weekday: weekday as IsoWeekday, startTime: '13:30', endTime: i % 3 === 0 ? '19:00' : '17:00' });
    }
    if (i % 4 === 0) rules.push({ weekday: 6, startTime: '09:00', endTime: '13:00' });
    const day = (n: number) => MONTH_FROM + n * DAY_MS;
    const exceptions: AvailabilityException[] = [
      { kind: 'closed', start: day(3 + (i % 20)), end: day(4 + (i % 20)) },
      { kind: 'closed', start: day(10 + (i % 7)) + 12 * 3_600_000, end: day(11 + (i % 7)) },
      { kind: 'extra', start: day(14 + (i % 5)) + 18 * 3_600_000, end: day(14 + (i % 5)) + 21 * 3_600_000 },
    ];
    resources.push({ id, timeZone: ZONES[i % ZONES.length]!, rules, exceptions });
    // About 100 bookings each: 30 or 60 minutes on the quarter hour, widened by 10-minute buffers.
    for (let n = 0; n < 100; n++) {
      const start = MONTH_FROM + Math.floor(next() * 31 * 96) * 15 * MINUTE_MS;
      const length = (next() < 0.7 ? 30 : 60) * MINUTE_MS;
      busy.push({ resourceId: id, start: start - 10 * MINUTE_MS, end: start + length + 10 * MINUTE_MS });
    }
  }
  return {
    type: {
      id: 'consult',
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      slotIntervalMinutes: 15,
      minimumNoticeMinutes: 120,
      horizonDays: 60,
      capacity: 1,
    },
    resources,
    busy,
    from: MONTH_FROM,
    to: MONTH_TO,
    now: MONTH_FROM - DAY_MS,
  };
}

/** The same answer as computeSlots, for capacity-1 types, by brute force over the busy list. */
function naiveSlots(request: SlotRequest): Slot[] {
  validateRequest(request);
  const { type, now } = request;
  const earliest = Math.max(request.from, now + type.minimumNoticeMinutes * MINUTE_MS);
  const latest = Math.min(request.to, now + type.horizonDays * DAY_MS);
  const duration = type.durationMinutes * MINUTE_MS;
  const interval = type.slotIntervalMinutes * MINUTE_MS;
  const firstDay = Math.floor(earliest / DAY_MS) - 1;
  const lastDay = Math.floor(latest / DAY_MS) + 1;
  const slots = new Map<number, Slot>();
  for (const resource of request.resources) {
    const segments = offsetSegments(resource.timeZone, (firstDay - 1) * DAY_MS, (lastDay + 2) * DAY_MS);
    for (const window of openWindows(prepareResource(resource), segments, firstDay, lastDay)) {
      for (let start = window.start; start + duration <= window.end; start += interval) {
        if (start < earliest || start >= latest) continue;
        const from = start - type.bufferBeforeMinutes * MINUTE_MS;
        const to = start + duration + type.bufferAfterMinutes * MINUTE_MS;
        if (request.busy.some((b) => b.resourceId === resource.id && b.start < to && b.end > from)) continue;
        const slot = slots.get(start);
        if (slot) slot.resourceIds.push(resource.id);
        else slots.set(start, { start, end: start + duration, resourceIds: [resource.id], seatsLeft: 1 });
      }
    }
  }
  return [...slots.values()].sort((a, b) => a.start - b.start);
}
