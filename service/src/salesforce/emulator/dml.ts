// Writes through the API, as the integration user: object permissions, field-level security,
// then the store's own checks. Each function is one record; collections and all-or-none are the
// REST layer's.
import { SalesforceError, insufficientAccess, notFound } from './errors.ts';
import type { FaultPlan } from './faults.ts';
import type { PermissionSet } from './permissions.ts';
import type { ObjectDef, Schema } from './schema.ts';
import type { RecordStore, StoredRecord } from './store.ts';

export interface DmlContext {
  schema: Schema;
  permissions: PermissionSet;
  store: RecordStore;
  faults: FaultPlan;
}

export interface SaveResult {
  id: string;
  success: true;
  errors: [];
}

/** The object, if the user can see it at all; the REST API answers 404 for one it cannot. */
export function accessibleObject(ctx: DmlContext, name: string): ObjectDef {
  const object = ctx.schema.object(name);
  if (!object || !ctx.permissions.canRead(object)) throw notFound();
  return object;
}

/** Every field in the body must exist, be visible, and be editable under the permission set. */
function checkWritableFields(ctx: DmlContext, object: ObjectDef, values: Record<string, unknown>): void {
  const notEditable: string[] = [];
  for (const name of Object.keys(values)) {
    if (name === 'attributes') continue;
    const field = ctx.schema.field(object, name);
    if (!field || !ctx.permissions.canReadField(object, field)) {
      throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`, [
        name,
      ]);
    }
    if (!ctx.permissions.canEditField(object, field)) notEditable.push(field.name);
  }
  if (notEditable.length > 0) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${notEditable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      notEditable,
    );
  }
}

export function createRecord(ctx: DmlContext, object: ObjectDef, values: Record<string, unknown>): StoredRecord {
  if (!ctx.permissions.canCreate(object)) throw insufficientAccess();
  checkWritableFields(ctx, object, values);
  ctx.faults.checkWrite(undefined);
  return ctx.store.insert(object, values);
}

export function updateRecord(
  ctx: DmlContext,
  object: ObjectDef,
  id: string,
  values: Record<string, unknown>,
): StoredRecord {
  if (!ctx.store.get(object, id)) throw notFound();
  if (!ctx.permissions.canEdit(object)) throw insufficientAccess();
  checkWritableFields(ctx, object, values);
  ctx.faults.checkWrite(id);
  return ctx.store.update(object, id, values);
}

export function deleteRecord(ctx: DmlContext, object: ObjectDef, id: string): void {
  const existing = ctx.store.get(object, id, true);
  if (!existing) throw notFound();
  if (existing.IsDeleted === true) throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  if (!ctx.permissions.canDelete(object)) throw insufficientAccess();
  ctx.faults.checkWrite(id);
  ctx.store.delete(object, id);
}

export interface UpsertOutcome {
  record: StoredRecord;
  created: boolean;
}

/** Upsert by an external id field: create when no record has the value, update when one does. */
export function upsertRecord(
  ctx: DmlContext,
  object: ObjectDef,
  fieldName: string,
  value: string,
  values: Record<string, unknown>,
): UpsertOutcome {
  const field = ctx.schema.field(object, fieldName);
  if (!field || !ctx.permissions.canReadField(object, field) || !(field.externalId || field.name === 'Id')) {
    throw new SalesforceError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${fieldName}`,
    );
  }
  const matches = ctx.store.findBy(object, field.name, value);
  if (matches.length > 1) {
    throw new SalesforceError(
      300,
      'MULTIPLE_CHOICES',
      `More than one record found for external id field ${field.name}`,
    );
  }
  const { [field.name]: _ignored, ...rest } = values;
  if (matches.length === 0) {
    return { record: createRecord(ctx, object, { ...rest, [field.name]: value }), created: true };
  }
  return { record: updateRecord(ctx, object, matches[0]!.Id as string, rest), created: false };
}

/** A record as `GET /sobjects/Obj/id` returns it: every readable field, or just those asked for. */
export function retrieveRecord(
  ctx: DmlContext,
  object: ObjectDef,
  record: StoredRecord,
  apiVersion: string,
  fieldNames: string[] | undefined,
): Record<string, unknown> {
  const fields = fieldNames
    ? fieldNames.map((name) => {
        const field = ctx.schema.field(object, name);
        if (!field || !ctx.permissions.canReadField(object, field)) {
          throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${object.name}'.`);
        }
        return field;
      })
    : [...object.fields.values()].filter((field) => ctx.permissions.canReadField(object, field));
  const output: Record<string, unknown> = {
    attributes: {
      type: object.name,
      url: `/services/data/v${apiVersion}/sobjects/${object.name}/${String(record.Id)}`,
    },
  };
  for (const field of fields) output[field.name] = record[field.name] ?? null;
  return output;
}
