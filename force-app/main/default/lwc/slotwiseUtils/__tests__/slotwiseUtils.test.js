import {
  formatLabel,
  reduceErrors,
  errorMessage,
  formatDateTime,
  formatTime,
  dayInZone,
  addDays,
  startOfWeek,
  formatDay,
  timeZoneOptions,
  toTimeInput,
  toApexTime,
} from 'c/slotwiseUtils';

// An AuraHandledException as it reaches a component.
const apexError = (message) => ({ body: { message }, ok: false, status: 400, statusText: 'Bad Request' });

describe('c/slotwiseUtils', () => {
  describe('formatLabel', () => {
    it('replaces numbered placeholders', () => {
      expect(formatLabel('{0} of {1}', 3, 10)).toBe('3 of 10');
      expect(formatLabel('{1} then {0}', 'a', 'b')).toBe('b then a');
    });
    it('leaves placeholders without a value and prints zero', () => {
      expect(formatLabel('{0} and {1}', 0)).toBe('0 and {1}');
    });
  });

  describe('reduceErrors', () => {
    it('reads Apex, LDS, JavaScript and string errors', () => {
      expect(reduceErrors(apexError('Boom'))).toBe('Boom');
      expect(reduceErrors({ body: [{ message: 'One' }, { message: 'Two' }] })).toBe('One, Two');
      expect(reduceErrors({ body: { pageErrors: [{ message: 'Page' }], fieldErrors: {} } })).toBe('Page');
      expect(reduceErrors({ body: { pageErrors: [], fieldErrors: { Name: [{ message: 'Required' }] } } })).toBe(
        'Required',
      );
      expect(reduceErrors(new Error('Plain'))).toBe('Plain');
      expect(reduceErrors('Text')).toBe('Text');
      expect(reduceErrors([apexError('A'), null, apexError('B')])).toBe('A, B');
      expect(reduceErrors(undefined)).toBe('');
    });
  });

  describe('errorMessage', () => {
    it('shows the safe message from Apex', () => {
      expect(errorMessage(apexError('That time is no longer available. Pick another one.'))).toBe(
        'That time is no longer available. Pick another one.',
      );
    });
    it('falls back to a generic message', () => {
      expect(errorMessage({})).toBe('c.Slotwise_Error_Generic');
      expect(errorMessage(undefined)).toBe('c.Slotwise_Error_Generic');
    });
  });

  describe('dates and time zones', () => {
    const instant = '2025-03-30T00:30:00.000Z'; // the night the UK moves to summer time

    it('formats in the given time zone', () => {
      expect(formatTime(instant, 'Europe/London', 'en-GB')).toBe('00:30');
      expect(formatTime('2025-03-30T01:30:00.000Z', 'Europe/London', 'en-GB')).toBe('02:30');
      expect(formatTime(instant, 'America/New_York', 'en-GB')).toBe('20:30');
      expect(formatDateTime(instant, 'Asia/Tokyo', 'en-GB', { dateStyle: 'short' })).toBe('30/03/2025');
      expect(formatDateTime('', 'UTC', 'en-GB')).toBe('');
    });

    it('falls back to the default zone for an unknown zone id', () => {
      expect(formatTime(instant, 'Not/AZone', 'en-GB')).toMatch(/\d\d:\d\d/);
    });

    it('finds the calendar day in a zone', () => {
      expect(dayInZone(instant, 'Europe/London')).toBe('2025-03-30');
      expect(dayInZone(instant, 'America/Los_Angeles')).toBe('2025-03-29');
      expect(dayInZone(new Date('2025-12-31T23:00:00Z'), 'Asia/Tokyo')).toBe('2026-01-01');
    });

    it('adds days and finds the start of the week (Monday)', () => {
      expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
      expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
      expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
      expect(startOfWeek('2025-03-12')).toBe('2025-03-10'); // Wednesday
      expect(startOfWeek('2025-03-10')).toBe('2025-03-10'); // Monday
      expect(startOfWeek('2025-03-16')).toBe('2025-03-10'); // Sunday
    });

    it('formats a calendar day without shifting it', () => {
      expect(formatDay('2025-03-10', 'en-US')).toBe('Monday, March 10');
    });

    it('converts Time field values for lightning-input and back', () => {
      expect(toTimeInput('09:30:00.000Z')).toBe('09:30:00.000');
      expect(toTimeInput(34200000)).toBe('09:30:00.000');
      expect(toTimeInput(0)).toBe('00:00:00.000');
      expect(toTimeInput(null)).toBe('');
      expect(toApexTime('09:30')).toBe('09:30:00.000Z');
      expect(toApexTime('21:05:07.5')).toBe('21:05:07.500Z');
      expect(toApexTime('08:00:00.000Z')).toBe('08:00:00.000Z');
      expect(toApexTime('')).toBeNull();
    });

    it('lists IANA time zones including the required ones', () => {
      const options = timeZoneOptions('Europe/London', 'Custom/Zone', undefined);
      const values = options.map((option) => option.value);
      expect(values).toContain('Europe/London');
      expect(values).toContain('UTC');
      expect(values).toContain('Custom/Zone');
      expect(values).toEqual([...values].sort());
      expect(new Set(values).size).toBe(values.length);
      expect(options[0]).toEqual({ label: options[0].value, value: options[0].value });
    });
  });
});
