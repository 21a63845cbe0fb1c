// The REST resources under /services/data/vXX.X that the service uses.
import { randomBytes } from 'node:crypto';
import {
  accessibleObject,
  createRecord,
  deleteRecord,
  retrieveRecord,
  updateRecord,
  upsertRecord,
  type DmlContext,
} from './dml.ts';
import { SalesforceError, notFound } from './errors.ts';
import { runQuery, type OutputRecord, type QueryContext } from './soql.ts';

export interface RestContext extends DmlContext, Omit<QueryContext, 'apiVersion'> {
  /** Rows per query page (Salesforce: 2000, or `Sforce-Query-Options: batchSize=N`). */
  batchSize: number;
  cursors: Map<string, { records: OutputRecord[]; totalSize: number }>;
  apiUsage: () => { used: number; max: number };
}

export interface RestRequest {
  method: string;
  apiVersion: string;
  /** Path segments after /services/data/vXX.X/. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RestResponse {
  status: number;
  body?: unknown;
}

type RecordBody = Record<string, unknown>;

function asRecordBody(body: unknown): RecordBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return body as RecordBody;
}

export function handleRest(ctx: RestContext, request: RestRequest): RestResponse {
  const { method, segments } = request;
  const [resource, ...rest] = segments;
  if (resource === 'query' || resource === 'queryAll') {
    if (method !== 'GET') throw notFound();
    return rest.length > 0 ? nextPage(ctx, request, rest[0]!) : query(ctx, request, resource === 'queryAll');
  }
  if (resource === 'limits' && method === 'GET') {
    const { used, max } = ctx.apiUsage();
    return { status: 200, body: { DailyApiRequests: { Max: max, Remaining: max - used } } };
  }
  if (resource === 'sobjects') return sobjects(ctx, request, rest);
  if (resource === 'composite' && rest[0] === 'sobjects') return collections(ctx, request, rest.slice(1));
  throw notFound();
}

function batchSize(ctx: RestContext, request: RestRequest): number {
  const header = request.headers['sforce-query-options'];
  const match = /batchSize=(\d+)/i.exec(String(header ?? ''));
  return match ? Math.min(2000, Math.max(200, Number(match[1]))) : ctx.batchSize;
}

function page(
  ctx: RestContext,
  request: RestRequest,
  records: OutputRecord[],
  totalSize: number,
  size: number,
): RestResponse {
  const first = records.slice(0, size);
  const remaining = records.slice(size);
  if (remaining.length === 0) return { status: 200, body: { totalSize, done: true, records: first } };
  const locator = `01g${randomBytes(6).toString('hex').slice(0, 12).toUpperCase()}-${size}`;
  ctx.cursors.set(locator, { records: remaining, totalSize });
  return {
    status: 200,
    body: {
      totalSize,
      done: false,
      nextRecordsUrl: `/services/data/v${request.apiVersion}/query/${locator}`,
      records: first,
    },
  };
}

function query(ctx: RestContext, request: RestRequest, includeDeleted: boolean): RestResponse {
  const soql = request.query.get('q');
  if (!soql) throw new SalesforceError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const result = runQuery({ ...ctx, apiVersion: request.apiVersion }, soql, includeDeleted);
  return page(ctx, request, result.records, result.totalSize, batchSize(ctx, request));
}

function nextPage(ctx: RestContext, request: RestRequest, locator: string): RestResponse {
  const cursor = ctx.cursors.get(locator);
  if (!cursor) throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  ctx.cursors.delete(locator);
  const size = Number(locator.split('-')[1]) || ctx.batchSize;
  return page(ctx, request, cursor.records, cursor.totalSize, size);
}

function sobjects(ctx: RestContext, request: RestRequest, segments: string[]): RestResponse {
  const { method } = request;
  const [objectName, first, second] = segments;
  if (!objectName) throw notFound();
  const object = accessibleObject(ctx, objectName);
  if (first === undefined) {
    if (method !== 'POST') throw notFound();
    const record = createRecord(ctx, object, asRecordBody(request.body));
    return { status: 201, body: { id: record.Id, success: true, errors: [] } };
  }
  if (first === 'describe' && method === 'GET') return { status: 200, body: describe(ctx, request, objectName) };
  if (second !== undefined) {
    // /sobjects/Obj/ExternalIdField/value
    if (method !== 'PATCH') throw notFound();
    const { record, created } = upsertRecord(
      ctx,
      object,
      first,
      decodeURIComponent(second),
      asRecordBody(request.body),
    );
    if (created) return { status: 201, body: { id: record.Id, success: true, errors: [], created: true } };
    // API 46.0 and later answer an update with a body; earlier versions with 204.
    if (Number(request.apiVersion) < 46) return { status: 204 };
    return { status: 200, body: { id: record.Id, success: true, errors: [], created: false } };
  }
  switch (method) {
    case 'GET': {
      const record = ctx.store.get(object, first);
      if (!record) throw notFound();
      const fields = request.query.get('fields')?.split(',').filter(Boolean);
      return { status: 200, body: retrieveRecord(ctx, object, record, request.apiVersion, fields) };
    }
    case 'PATCH':
      updateRecord(ctx, object, first, asRecordBody(request.body));
      return { status: 204 };
    case 'DELETE':
      deleteRecord(ctx, object, first);
      return { status: 204 };
    default:
      throw notFound();
  }
}

/** A minimal describe: the fields the integration user can see, so clients can expand `*`. */
function describe(ctx: RestContext, request: RestRequest, objectName: string): unknown {
  const object = accessibleObject(ctx, objectName);
  const fields = [...object.fields.values()].filter((field) => ctx.permissions.canReadField(object, field));
  return {
    name: object.name,
    custom: object.custom,
    keyPrefix: object.keyPrefix,
    queryable: true,
    createable: ctx.permissions.canCreate(object),
    updateable: ctx.permissions.canEdit(object),
    deletable: ctx.permissions.canDelete(object),
    urls: { sobject: `/services/data/v${request.apiVersion}/sobjects/${object.name}` },
    childRelationships: [],
    fields: fields.map((field) => ({
      name: field.name,
      type: field.type,
      nillable: !field.required,
      createable: ctx.permissions.canCreate(object) && ctx.permissions.canEditField(object, field),
      updateable: ctx.permissions.canEdit(object) && ctx.permissions.canEditField(object, field),
      externalId: field.externalId,
      unique: field.unique,
      referenceTo: field.referenceTo ? [field.referenceTo] : [],
      relationshipName: field.relationshipName ?? null,
      picklistValues: field.picklistValues.map((value) => ({ value, label: value, active: true })),
    })),
  };
}

interface CollectionError {
  statusCode: string;
  message: string;
  fields: string[];
}

type CollectionResult =
  | { id: string | null; success: true; errors: []; created?: boolean }
  | { id: string | null; success: false; errors: CollectionError[] };

function failure(error: unknown, id: string | null = null): CollectionResult {
  if (!(error instanceof SalesforceError)) throw error;
  return {
    id,
    success: false,
    errors: [{ statusCode: error.errorCode, message: error.message, fields: error.fields }],
  };
}

/**
 * Runs one write per record. With allOrNone, the first failure rolls everything back and every
 * other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK, as Salesforce does.
 */
function writeEach<T>(
  ctx: RestContext,
  items: T[],
  allOrNone: boolean,
  write: (item: T) => CollectionResult,
): RestResponse {
  const restore = ctx.store.snapshot();
  const results = items.map((item) => {
    try {
      return write(item);
    } catch (error) {
      return failure(error);
    }
  });
  if (allOrNone && results.some((result) => !result.success)) {
    restore();
    const rolledBack = results.map((result) =>
      result.success
        ? failure(
            new SalesforceError(
              400,
              'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              'Record rolled back because not all records were valid and the request was using AllOrNone header',
            ),
          )
        : { ...result, id: null },
    );
    return { status: 200, body: rolledBack };
  }
  return { status: 200, body: results };
}

function collections(ctx: RestContext, request: RestRequest, segments: string[]): RestResponse {
  const { method } = request;
  if (method === 'DELETE' && segments.length === 0) {
    const ids = (request.query.get('ids') ?? '').split(',').filter(Boolean);
    const allOrNone = request.query.get('allOrNone') === 'true';
    return writeEach(ctx, ids, allOrNone, (id) => {
      const object = ctx.schema.objectForId(id);
      if (!object) throw new SalesforceError(400, 'MALFORMED_ID', `malformed id ${id}`);
      try {
        deleteRecord(ctx, accessibleObject(ctx, object.name), id);
      } catch (error) {
        return failure(error, id);
      }
      return { id, success: true, errors: [] };
    });
  }
  const body = asRecordBody(request.body);
  if (method === 'POST' && segments.length === 1) {
    // Retrieve many: { ids, fields }.
    const object = accessibleObject(ctx, segments[0]!);
    const ids = (body.ids as string[] | undefined) ?? [];
    const fields = body.fields as string[] | undefined;
    const records = ids.map((id) => {
      const record = ctx.store.get(object, id);
      return record ? retrieveRecord(ctx, object, record, request.apiVersion, fields) : null;
    });
    return { status: 200, body: records };
  }
  const records = ((body.records as RecordBody[] | undefined) ?? []).map(asRecordBody);
  const allOrNone = body.allOrNone === true;
  const typeOf = (record: RecordBody) => String((record.attributes as { type?: string } | undefined)?.type ?? '');
  if (method === 'POST' && segments.length === 0) {
    return writeEach(ctx, records, allOrNone, (record) => {
      const { attributes: _attributes, ...values } = record;
      const created = createRecord(ctx, accessibleObject(ctx, typeOf(record)), values);
      return { id: created.Id as string, success: true, errors: [] };
    });
  }
  if (method === 'PATCH' && segments.length === 0) {
    return writeEach(ctx, records, allOrNone, (record) => {
      const { attributes: _attributes, id, Id, ...values } = record;
      const recordId = String(id ?? Id ?? '');
      try {
        updateRecord(ctx, accessibleObject(ctx, typeOf(record)), recordId, values);
      } catch (error) {
        return failure(error, recordId);
      }
      return { id: recordId, success: true, errors: [] };
    });
  }
  if (method === 'PATCH' && segments.length === 2) {
    const object = accessibleObject(ctx, segments[0]!);
    const fieldName = segments[1]!;
    return writeEach(ctx, records, allOrNone, (record) => {
      const { attributes: _attributes, ...values } = record;
      const { record: saved, created } = upsertRecord(ctx, object, fieldName, String(values[fieldName] ?? ''), values);
      return { id: saved.Id as string, success: true, errors: [], created };
    });
  }
  throw notFound();
}
