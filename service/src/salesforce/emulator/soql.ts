// SOQL, the subset the service uses: fields and one-level parent relationship fields, WHERE with
// AND/OR/NOT and the usual operators, date literals, ORDER BY, LIMIT, OFFSET and COUNT().
// Every field named anywhere is checked against the schema and the permission set first, so a
// query the integration user could not run in an org fails here the same way.
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { dateLiteralRange } from './date-literals.ts';
import { SalesforceError, invalidType, malformedQuery, noSuchColumn } from './errors.ts';
import type { PermissionSet } from './permissions.ts';
import type { FieldDef, ObjectDef, Schema } from './schema.ts';
import type { RecordStore, StoredRecord } from './store.ts';
import { parseDateTime, type FieldValue } from './values.ts';
import { buildPredicate, comparisons, type Comparison, type Predicate } from './where.ts';

export interface QueryContext {
  schema: Schema;
  permissions: PermissionSet;
  store: RecordStore;
  now: Date;
  apiVersion: string;
}

export type OutputRecord = { attributes: { type: string; url: string } } & Record<string, unknown>;

export interface QueryResult {
  totalSize: number;
  records: OutputRecord[];
}

/** A field as reached from the queried object: directly, or through one parent relationship. */
interface FieldPath {
  /** The lookup followed, for `Resource__r.Name`. */
  lookup?: { field: FieldDef; target: ObjectDef };
  field: FieldDef;
}

export function parseSoql(soql: string): Query {
  try {
    return parseQuery(soql);
  } catch (error) {
    throw malformedQuery(`unexpected token: ${(error as Error).message.split('\n')[0]}`);
  }
}

function readableObject(ctx: QueryContext, name: string): ObjectDef {
  const object = ctx.schema.object(name);
  if (!object || !ctx.permissions.canRead(object)) throw invalidType(name);
  return object;
}

/** Resolves `Field` or `Relationship__r.Field`, failing as Salesforce does for anything hidden. */
function resolvePath(ctx: QueryContext, object: ObjectDef, path: string): FieldPath {
  const parts = path.split('.');
  if (parts.length > 2) throw malformedQuery(`the org emulator follows one relationship level only: ${path}`);
  if (parts.length === 1) {
    const field = ctx.schema.field(object, parts[0]!);
    if (!field || !ctx.permissions.canReadField(object, field)) throw noSuchColumn(object.name, parts[0]!);
    return { field };
  }
  const [relationship, fieldName] = parts as [string, string];
  const lookup = [...object.fields.values()].find(
    (f) => f.relationshipName?.toLowerCase() === relationship.toLowerCase() && ctx.permissions.canReadField(object, f),
  );
  const target = lookup?.referenceTo ? ctx.schema.object(lookup.referenceTo) : undefined;
  if (!lookup || !target || !ctx.permissions.canRead(target)) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const field = ctx.schema.field(target, fieldName);
  if (!field || !ctx.permissions.canReadField(target, field)) throw noSuchColumn(target.name, fieldName);
  return { lookup: { field: lookup, target }, field };
}

function valueAt(ctx: QueryContext, record: StoredRecord, path: FieldPath): FieldValue {
  if (!path.lookup) return record[path.field.name] ?? null;
  const parentId = record[path.lookup.field.name];
  if (typeof parentId !== 'string') return null;
  return ctx.store.get(path.lookup.target, parentId)?.[path.field.name] ?? null;
}

function unquote(literal: string): string {
  // Backslash escapes as SOQL defines them: \' \" \\ \n \r \t \b \f, and \% \_ kept for LIKE.
  return literal.slice(1, -1).replace(/\\(.)/g, (_, char: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
    if (char === '%' || char === '_') return `\\${char}`;
    return map[char] ?? char;
  });
}

type Operand = string | number | boolean | null | { start: number; end: number };

function literal(value: string, type: string | undefined, now: Date): Operand {
  switch (type) {
    case 'STRING':
      return unquote(value);
    case 'INTEGER':
    case 'DECIMAL':
    case 'DECIMAL_WITH_PLUS':
    case 'INTEGER_WITH_PLUS':
      return Number(value);
    case 'BOOLEAN':
      return value.toUpperCase() === 'TRUE';
    case 'NULL':
      return null;
    case 'DATE':
      return Date.parse(`${value}T00:00:00Z`);
    case 'DATETIME':
      return parseDateTime(value)!.getTime();
    case 'DATE_LITERAL':
    case 'DATE_N_LITERAL': {
      const range = dateLiteralRange(value, now);
      if (!range) throw malformedQuery(`the org emulator does not support the date literal ${value}`);
      return range;
    }
    default:
      throw malformedQuery(`unsupported literal ${value}`);
  }
}

/** A stored value in a form that compares with operands: times as epoch ms, strings lower-cased. */
function comparable(field: FieldDef, value: FieldValue): string | number | boolean | null {
  if (value === null) return null;
  if (field.type === 'datetime') return parseDateTime(String(value))!.getTime();
  if (field.type === 'date') return Date.parse(`${String(value)}T00:00:00Z`);
  if (field.type === 'id' || field.type === 'reference') return String(value).slice(0, 15);
  if (typeof value === 'string') return value.toLowerCase();
  return value;
}

function normalizeOperand(field: FieldDef, operand: Operand): Operand {
  if (typeof operand === 'string') {
    if (field.type === 'id' || field.type === 'reference') return operand.slice(0, 15);
    if (field.type === 'boolean') return operand.toLowerCase() === 'true';
    return operand.toLowerCase();
  }
  return operand;
}

function likeRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

function compare(actual: string | number | boolean | null, operator: string, operand: Operand): boolean {
  if (operand !== null && typeof operand === 'object') {
    // A date literal stands for a range of instants.
    if (actual === null || typeof actual !== 'number') return operator === '!=' && actual === null;
    const { start, end } = operand;
    switch (operator) {
      case '=':
        return actual >= start && actual < end;
      case '!=':
        return actual < start || actual >= end;
      case '<':
        return actual < start;
      case '<=':
        return actual < end;
      case '>':
        return actual >= end;
      case '>=':
        return actual >= start;
    }
    return false;
  }
  switch (operator) {
    case '=':
      return actual === operand;
    case '!=':
    case '<>':
      return actual !== operand;
  }
  if (actual === null || operand === null) return false;
  switch (operator) {
    case '<':
      return actual < operand;
    case '<=':
      return actual <= operand;
    case '>':
      return actual > operand;
    case '>=':
      return actual >= operand;
  }
  throw malformedQuery(`unsupported operator ${operator}`);
}

function evaluate(ctx: QueryContext, object: ObjectDef, record: StoredRecord, predicate: Predicate): boolean {
  switch (predicate.kind) {
    case 'and':
      return evaluate(ctx, object, record, predicate.left) && evaluate(ctx, object, record, predicate.right);
    case 'or':
      return evaluate(ctx, object, record, predicate.left) || evaluate(ctx, object, record, predicate.right);
    case 'not':
      return !evaluate(ctx, object, record, predicate.operand);
    case 'compare':
      return evaluateComparison(ctx, object, record, predicate.comparison);
  }
}

function evaluateComparison(
  ctx: QueryContext,
  object: ObjectDef,
  record: StoredRecord,
  comparison: Comparison,
): boolean {
  const path = resolvePath(ctx, object, comparison.field);
  const actual = comparable(path.field, valueAt(ctx, record, path));
  const types = Array.isArray(comparison.literalType) ? comparison.literalType : [comparison.literalType];
  const operands = (Array.isArray(comparison.value) ? comparison.value : [comparison.value]).map((value, i) =>
    normalizeOperand(path.field, literal(value, types[i] ?? types[0], ctx.now)),
  );
  const operator = comparison.operator.toUpperCase().replace(/\s+/g, '');
  switch (operator) {
    case 'IN':
      return operands.some((operand) => compare(actual, '=', operand));
    case 'NOTIN':
      return operands.every((operand) => compare(actual, '!=', operand));
    case 'LIKE':
      return typeof actual === 'string' && likeRegExp(String(operands[0])).test(actual);
    default:
      return compare(actual, operator, operands[0]!);
  }
}

function orderRecords(ctx: QueryContext, object: ObjectDef, records: StoredRecord[], query: Query): StoredRecord[] {
  const orderBy = Array.isArray(query.orderBy) ? query.orderBy : query.orderBy ? [query.orderBy] : [];
  if (orderBy.length === 0) return records;
  const keys = orderBy.map((clause) => {
    if (!('field' in clause)) throw malformedQuery('ORDER BY functions are not supported by the org emulator');
    const descending = clause.order === 'DESC';
    // Salesforce's defaults: nulls first when ascending, last when descending.
    const nullsFirst = clause.nulls ? clause.nulls === 'FIRST' : !descending;
    return { path: resolvePath(ctx, object, clause.field), descending, nullsFirst };
  });
  return [...records].sort((a, b) => {
    for (const key of keys) {
      const x = comparable(key.path.field, valueAt(ctx, a, key.path));
      const y = comparable(key.path.field, valueAt(ctx, b, key.path));
      if (x === y) continue;
      if (x === null) return key.nullsFirst ? -1 : 1;
      if (y === null) return key.nullsFirst ? 1 : -1;
      const order = x < y ? -1 : 1;
      return key.descending ? -order : order;
    }
    return 0;
  });
}

function recordUrl(ctx: QueryContext, object: ObjectDef, id: unknown): string {
  return `/services/data/v${ctx.apiVersion}/sobjects/${object.name}/${String(id)}`;
}

/** The JSON shape the REST API returns for one row, with the selected fields in the order named. */
function output(ctx: QueryContext, object: ObjectDef, record: StoredRecord, paths: FieldPath[]): OutputRecord {
  const row: OutputRecord = { attributes: { type: object.name, url: recordUrl(ctx, object, record.Id) } };
  for (const path of paths) {
    if (!path.lookup) {
      row[path.field.name] = record[path.field.name] ?? null;
      continue;
    }
    const relationship = path.lookup.field.relationshipName!;
    const parentId = record[path.lookup.field.name];
    const parent = typeof parentId === 'string' ? ctx.store.get(path.lookup.target, parentId) : undefined;
    if (!parent) {
      row[relationship] = null;
      continue;
    }
    const nested = (row[relationship] as OutputRecord | null | undefined) ?? {
      attributes: { type: path.lookup.target.name, url: recordUrl(ctx, path.lookup.target, parent.Id) },
    };
    nested[path.field.name] = parent[path.field.name] ?? null;
    row[relationship] = nested;
  }
  return row;
}

/** Runs a query; `includeDeleted` for queryAll. Pagination is the caller's. */
export function runQuery(ctx: QueryContext, soql: string, includeDeleted: boolean): QueryResult {
  const query = parseSoql(soql);
  if (!query.sObject) throw malformedQuery('missing FROM');
  const object = readableObject(ctx, query.sObject);

  let countOnly = false;
  const paths: FieldPath[] = [];
  for (const field of query.fields ?? []) {
    if (field.type === 'Field') paths.push(resolvePath(ctx, object, field.field));
    else if (field.type === 'FieldRelationship')
      paths.push(resolvePath(ctx, object, [...field.relationships, field.field].join('.')));
    else if (
      field.type === 'FieldFunctionExpression' &&
      field.functionName.toUpperCase() === 'COUNT' &&
      field.parameters.length === 0
    )
      countOnly = true;
    else throw malformedQuery(`the org emulator does not support ${field.type} in SELECT`);
  }

  const predicate = query.where ? buildPredicate(query.where) : undefined;
  // Fields in WHERE are checked even when there are no rows to test them against.
  if (predicate) for (const comparison of comparisons(predicate)) resolvePath(ctx, object, comparison.field);

  let records = ctx.store.all(object, includeDeleted);
  if (predicate) records = records.filter((record) => evaluate(ctx, object, record, predicate));
  records = orderRecords(ctx, object, records, query);
  if (query.offset) records = records.slice(query.offset);
  if (query.limit !== undefined) records = records.slice(0, query.limit);
  if (countOnly) return { totalSize: records.length, records: [] };
  return { totalSize: records.length, records: records.map((record) => output(ctx, object, record, paths)) };
}
