// The org's records, in memory. Writes here check what the database would (required fields,
// restricted picklists, uniqueness) but not permissions: that is the REST layer's job, and seeding
// goes around it.
import { SalesforceError } from './errors.ts';
import { sameId } from '../ids.ts';
import { IdGenerator } from './ids.ts';
import type { ObjectDef, Schema } from './schema.ts';
import { formatDateTime, normalizeValue, type FieldValue } from './values.ts';

export type StoredRecord = Record<string, FieldValue>;

export interface StoreOptions {
  schema: Schema;
  now: () => Date;
  /** The integration user: owner and author of everything written through the API. */
  userId: string;
  /** Called after every write (the sandbox org saves its state file then). */
  onChange?: () => void;
}

/** Everything needed to continue the store later: records by object, and the counters. */
export interface RecordStoreState {
  tables: Record<string, StoredRecord[]>;
  autoNumbers: Record<string, number>;
  nextId: number;
  lastStamp: number;
}

export class RecordStore {
  readonly #schema: Schema;
  readonly #now: () => Date;
  readonly #userId: string;
  readonly #onChange: () => void;
  #ids = new IdGenerator();
  #tables = new Map<string, Map<string, StoredRecord>>();
  #autoNumbers = new Map<string, number>();
  #lastStamp = 0;

  constructor(options: StoreOptions) {
    this.#schema = options.schema;
    this.#now = options.now;
    this.#userId = options.userId;
    this.#onChange = options.onChange ?? (() => {});
  }

  exportState(): RecordStoreState {
    return {
      tables: Object.fromEntries(
        [...this.#tables].map(([name, table]) => [name, [...table.values()].map((record) => ({ ...record }))]),
      ),
      autoNumbers: Object.fromEntries(this.#autoNumbers),
      nextId: this.#ids.nextNumber,
      lastStamp: this.#lastStamp,
    };
  }

  /**
   * Continues from a saved state. Its objects replace what the store holds; objects it lacks are
   * kept, objects the schema no longer has are dropped, and fields added to the schema since get
   * their default, as a deployment would.
   */
  importState(state: RecordStoreState): void {
    for (const [name, records] of Object.entries(state.tables)) {
      const object = this.#schema.object(name);
      if (!object) continue;
      const table = new Map<string, StoredRecord>();
      for (const record of records) table.set(String(record.Id), { ...this.#blank(object), ...record });
      this.#tables.set(object.name, table);
    }
    this.#autoNumbers = new Map(Object.entries(state.autoNumbers));
    this.#ids = new IdGenerator(undefined, state.nextId);
    this.#lastStamp = state.lastStamp;
  }

  /** A record with every field at its default: what insert starts from. */
  #blank(object: ObjectDef): StoredRecord {
    const record: StoredRecord = {};
    for (const field of object.fields.values()) {
      if (field.defaultValue !== undefined) record[field.name] = field.defaultValue;
      else if (field.type === 'boolean') record[field.name] = false;
      else record[field.name] = null;
    }
    return record;
  }

  #table(object: ObjectDef): Map<string, StoredRecord> {
    let table = this.#tables.get(object.name);
    if (!table) this.#tables.set(object.name, (table = new Map()));
    return table;
  }

  /** A timestamp that moves forward on every write even when the injected clock stands still. */
  #stamp(): string {
    const now = Math.max(this.#now().getTime(), this.#lastStamp + 1);
    this.#lastStamp = now;
    return formatDateTime(new Date(now));
  }

  /** Every record of the object, in insertion order; deleted ones only when asked. */
  all(object: ObjectDef, includeDeleted = false): StoredRecord[] {
    return [...this.#table(object).values()].filter((record) => includeDeleted || record.IsDeleted !== true);
  }

  get(object: ObjectDef, id: string, includeDeleted = false): StoredRecord | undefined {
    for (const [key, record] of this.#table(object)) {
      if (sameId(key, id) && (includeDeleted || record.IsDeleted !== true)) return record;
    }
    return undefined;
  }

  /** Finds a record by id across all objects (relationship fields use this). */
  getAny(id: string): StoredRecord | undefined {
    const object = this.#schema.objectForId(id);
    return object ? this.get(object, id) : undefined;
  }

  findBy(object: ObjectDef, fieldName: string, value: FieldValue): StoredRecord[] {
    const wanted = typeof value === 'string' ? value.toLowerCase() : value;
    return this.all(object).filter((record) => {
      const stored = record[fieldName];
      return (typeof stored === 'string' ? stored.toLowerCase() : stored) === wanted;
    });
  }

  /** `id` fixes the new record's id (for well-known records such as the integration user). */
  insert(object: ObjectDef, values: Record<string, unknown>, id = this.#ids.next(object.keyPrefix)): StoredRecord {
    const stamp = this.#stamp();
    const record = this.#blank(object);
    this.#assign(object, record, values);
    Object.assign(record, {
      Id: id,
      CreatedDate: stamp,
      CreatedById: this.#userId,
      LastModifiedDate: stamp,
      LastModifiedById: this.#userId,
      SystemModstamp: stamp,
      IsDeleted: false,
    });
    if (object.fields.has('ownerid') && !record.OwnerId) record.OwnerId = this.#userId;
    if (object.autoNumberFormat) record.Name = this.#autoNumber(object);
    if (object.fields.has('firstname')) record.Name = [record.FirstName, record.LastName].filter(Boolean).join(' ');
    this.#check(object, record, undefined);
    this.#table(object).set(id, record);
    this.#onChange();
    return record;
  }

  update(object: ObjectDef, id: string, values: Record<string, unknown>): StoredRecord {
    const existing = this.get(object, id);
    if (!existing) {
      throw new SalesforceError(404, 'NOT_FOUND', 'Provided external ID field does not exist or is not accessible');
    }
    const next: StoredRecord = { ...existing };
    this.#assign(object, next, values);
    if (object.fields.has('firstname')) next.Name = [next.FirstName, next.LastName].filter(Boolean).join(' ');
    this.#check(object, next, existing.Id as string);
    const stamp = this.#stamp();
    Object.assign(existing, next, { LastModifiedDate: stamp, LastModifiedById: this.#userId, SystemModstamp: stamp });
    this.#onChange();
    return existing;
  }

  /** Soft delete, as the recycle bin does: queryAll still returns the row with IsDeleted = true. */
  delete(object: ObjectDef, id: string): void {
    const existing = this.get(object, id);
    if (!existing) throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const stamp = this.#stamp();
    Object.assign(existing, { IsDeleted: true, SystemModstamp: stamp });
    this.#onChange();
  }

  /** A copy to roll back to, for all-or-none requests. */
  snapshot(): () => void {
    const tables = new Map(
      [...this.#tables].map(([name, table]) => [name, new Map([...table].map(([id, r]) => [id, { ...r }]))]),
    );
    const autoNumbers = new Map(this.#autoNumbers);
    return () => {
      this.#tables = tables;
      this.#autoNumbers = autoNumbers;
      this.#onChange();
    };
  }

  #assign(object: ObjectDef, record: StoredRecord, values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (name === 'attributes') continue;
      const field = this.#schema.field(object, name);
      if (!field) {
        throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`, [
          name,
        ]);
      }
      record[field.name] = normalizeValue(field, value);
    }
  }

  #autoNumber(object: ObjectDef): string {
    const next = (this.#autoNumbers.get(object.name) ?? 0) + 1;
    this.#autoNumbers.set(object.name, next);
    return object.autoNumberFormat!.replace(/\{(0+)\}/, (_, zeros: string) => String(next).padStart(zeros.length, '0'));
  }

  #check(object: ObjectDef, record: StoredRecord, selfId: string | undefined): void {
    const missing = [...object.fields.values()].filter(
      (field) => field.required && !field.system && (record[field.name] === null || record[field.name] === undefined),
    );
    if (missing.length > 0) {
      const names = missing.map((field) => field.name);
      throw new SalesforceError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${names.join(', ')}]`,
        names,
      );
    }
    for (const field of object.fields.values()) {
      const value = record[field.name];
      if (value === null || value === undefined) continue;
      if (field.type === 'picklist' && field.restrictedPicklist && !field.picklistValues.includes(String(value))) {
        throw new SalesforceError(
          400,
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.name}: bad value for restricted picklist field: ${String(value)}`,
          [field.name],
        );
      }
      if (field.unique || field.externalId) {
        const clash = this.findBy(object, field.name, value).find((other) => other.Id !== selfId);
        if (clash && field.unique) {
          throw new SalesforceError(
            400,
            'DUPLICATE_VALUE',
            `duplicate value found: ${field.name} duplicates value on record with id: ${String(clash.Id)}`,
            [field.name],
          );
        }
      }
    }
  }
}
