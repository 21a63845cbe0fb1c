// Field values as the REST API writes and returns them: datetimes as `2025-01-31T09:00:00.000+0000`,
// dates as `2025-01-31`, times as `09:00:00.000Z`, numbers and booleans as JSON.
import { SalesforceError } from './errors.ts';
import { to18 } from '../ids.ts';
import { isIdLike } from './ids.ts';
import type { FieldDef } from './schema.ts';

export type FieldValue = string | number | boolean | null;

export function formatDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Parses the datetime forms Salesforce accepts: ISO 8601 with Z, ±hh:mm or ±hhmm. */
export function parseDateTime(text: string): Date | undefined {
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function badValue(field: FieldDef, value: unknown, kind: string): SalesforceError {
  return new SalesforceError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${kind} from ${JSON.stringify(value)} for field ${field.name}`,
    [field.name],
  );
}

/** The stored form of a value written to `field`, or an error Salesforce would give for it. */
export function normalizeValue(field: FieldDef, value: unknown): FieldValue {
  if (value === null || value === undefined || value === '') return null;
  switch (field.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw badValue(field, value, 'boolean');
      return value;
    case 'double':
    case 'currency': {
      const number = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'boolean' || Number.isNaN(number)) throw badValue(field, value, 'double');
      return number;
    }
    case 'datetime': {
      const date = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (!date) throw badValue(field, value, 'datetime');
      return formatDateTime(date);
    }
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw badValue(field, value, 'date');
      return value;
    case 'time': {
      const match = typeof value === 'string' ? /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/.exec(value) : null;
      if (!match) throw badValue(field, value, 'time');
      return `${match[1]}:${match[2]}:${match[3] ?? '00'}.${(match[4] ?? '000').padEnd(3, '0')}Z`;
    }
    case 'reference':
    case 'id':
      if (!isIdLike(value)) {
        throw new SalesforceError(400, 'MALFORMED_ID', `${field.name}: id value of incorrect type: ${String(value)}`, [
          field.name,
        ]);
      }
      return value.length === 15 ? to18(value) : value;
    default: {
      if (typeof value !== 'string' && typeof value !== 'number') throw badValue(field, value, 'string');
      const text = String(value);
      if (field.length !== undefined && text.length > field.length) {
        throw new SalesforceError(
          400,
          'STRING_TOO_LONG',
          `${field.name}: data value too large: ${text.slice(0, 20)}… (max length=${field.length})`,
          [field.name],
        );
      }
      return text;
    }
  }
}
