// Defensive checks of a SlotRequest. A bad input throws a TypeError that says what is wrong, for
// the caller to answer with a 4xx; the engine itself then works on inputs it can trust.
import { Temporal } from 'temporal-polyfill';
import { requireTimeZone } from './zone.ts';
import type { AppointmentTypeRules, ResourceAvailability, SlotRequest, WeeklyRule } from './types.ts';

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const YYYY_MM_DD = /^\d{4}-\d{2}-\d{2}$/;

export function validateRequest(request: SlotRequest): void {
  validateType(request.type);
  for (const name of ['from', 'to', 'now'] as const) requireFinite(request[name], `request.${name}`);
  const ids = new Set<string>();
  for (const resource of request.resources) {
    if (ids.has(resource.id)) throw new TypeError(`resource ${resource.id} is listed twice`);
    ids.add(resource.id);
    validateResource(resource);
  }
  for (const [index, busy] of request.busy.entries()) {
    const what = `busy[${index}]`;
    requireFinite(busy.start, `${what}.start`);
    requireFinite(busy.end, `${what}.end`);
    if (busy.end < busy.start) throw new TypeError(`${what} ends before it starts`);
    if (busy.session) {
      requireFinite(busy.session.start, `${what}.session.start`);
      if (!Number.isInteger(busy.session.seats) || busy.session.seats < 0) {
        throw new TypeError(`${what}.session.seats must be a whole number >= 0`);
      }
    }
  }
}

const TYPE_NUMBERS = [
  'durationMinutes',
  'bufferBeforeMinutes',
  'bufferAfterMinutes',
  'slotIntervalMinutes',
  'minimumNoticeMinutes',
  'horizonDays',
] as const;

function validateType(type: AppointmentTypeRules): void {
  const what = `appointment type ${type.id}`;
  for (const field of TYPE_NUMBERS) requireFinite(type[field], `${what}: ${field}`);
  if (type.durationMinutes <= 0) throw new TypeError(`${what}: durationMinutes must be > 0`);
  if (type.slotIntervalMinutes <= 0) throw new TypeError(`${what}: slotIntervalMinutes must be > 0`);
  for (const field of TYPE_NUMBERS) {
    if (type[field] < 0) throw new TypeError(`${what}: ${field} must be >= 0`);
  }
  if (!Number.isInteger(type.capacity) || type.capacity < 1) {
    throw new TypeError(`${what}: capacity must be a whole number >= 1`);
  }
}

function validateResource(resource: ResourceAvailability): void {
  const what = `resource ${resource.id}`;
  requireTimeZone(resource.timeZone, `${what}: timeZone`);
  for (const [index, rule] of resource.rules.entries()) validateRule(rule, `${what}: rules[${index}]`);
  for (const [index, exception] of resource.exceptions.entries()) {
    const at = `${what}: exceptions[${index}]`;
    if (exception.kind !== 'closed' && exception.kind !== 'extra') {
      throw new TypeError(`${at}.kind must be 'closed' or 'extra'`);
    }
    requireFinite(exception.start, `${at}.start`);
    requireFinite(exception.end, `${at}.end`);
    if (exception.end < exception.start) throw new TypeError(`${at} ends before it starts`);
  }
}

function validateRule(rule: WeeklyRule, what: string): void {
  if (!Number.isInteger(rule.weekday) || rule.weekday < 1 || rule.weekday > 7) {
    throw new TypeError(`${what}.weekday must be 1 (Monday) to 7 (Sunday)`);
  }
  if (!HH_MM.test(rule.startTime)) throw new TypeError(`${what}.startTime "${rule.startTime}" is not HH:MM`);
  if (rule.endTime !== '24:00' && !HH_MM.test(rule.endTime)) {
    throw new TypeError(`${what}.endTime "${rule.endTime}" is not HH:MM (or 24:00)`);
  }
  if (rule.endTime <= rule.startTime) throw new TypeError(`${what}: endTime must be after startTime`);
  if (rule.effectiveFrom !== undefined) requireDate(rule.effectiveFrom, `${what}.effectiveFrom`);
  if (rule.effectiveTo !== undefined) requireDate(rule.effectiveTo, `${what}.effectiveTo`);
  if (rule.effectiveFrom !== undefined && rule.effectiveTo !== undefined && rule.effectiveTo < rule.effectiveFrom) {
    throw new TypeError(`${what}: effectiveTo is before effectiveFrom`);
  }
}

/** Throws unless `text` is a real calendar date written 'YYYY-MM-DD'. */
export function requireDate(text: string, what: string): Temporal.PlainDate {
  if (typeof text === 'string' && YYYY_MM_DD.test(text)) {
    try {
      return Temporal.PlainDate.from(text, { overflow: 'reject' });
    } catch {
      // Falls through to the error below: '2026-02-30' has the shape but is no date.
    }
  }
  throw new TypeError(`${what}: "${String(text)}" is not a date (YYYY-MM-DD)`);
}

function requireFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite number`);
}
