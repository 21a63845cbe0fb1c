// The org's data model as force-app describes it: objects/<Object>/ and their fields, plus an explicit
// allow-list of the standard objects and fields the package uses.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { displayPath, lineAt, listDirs, listFiles, readText } from './files.ts';
import { children, parseMetadata, text } from './xml.ts';

export type FieldInfo = {
  name: string;
  type: string;
  label?: string;
  description?: string;
  inlineHelpText?: string;
  required: boolean;
  unique: boolean;
  externalId: boolean;
  length?: number;
  precision?: number;
  scale?: number;
  defaultValue?: string;
  referenceTo?: string;
  relationshipName?: string;
  deleteConstraint?: string;
  picklistValues: string[];
  picklistDefault?: string;
  restricted: boolean;
  /** Relative path of the field file; undefined for standard fields. */
  file?: string;
};

export type ObjectInfo = {
  name: string;
  custom: boolean;
  file?: string;
  label?: string;
  sharingModel?: string;
  nameFieldType?: string;
  displayFormat?: string;
  fields: Map<string, FieldInfo>;
  /** Child relationship name as used in SOQL (`Resource_Types__r`) → the child object. */
  childRelationships: Map<string, string>;
  validationRules: { name: string; formula: string; active: boolean; file: string }[];
};

export type Schema = Map<string, ObjectInfo>;

/**
 * Standard objects the package touches and the standard fields it uses. A reference to a standard field
 * not listed here fails the checks: add it here if it is a real field the package needs.
 */
export const STANDARD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Contact: ['Id', 'Name', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'AccountId', 'OwnerId'],
  Lead: ['Id', 'Name', 'FirstName', 'LastName', 'Company', 'Email', 'Phone', 'MobilePhone', 'Status', 'OwnerId'],
  Account: ['Id', 'Name', 'Phone', 'OwnerId'],
  User: ['Id', 'Name', 'FirstName', 'LastName', 'Email', 'MobilePhone', 'TimeZoneSidKey', 'IsActive'],
};

/** Standard relationships of the allow-listed standard objects: relationship name → target object. */
const STANDARD_RELATIONSHIPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Contact: { Account: 'Account', Owner: 'User' },
  Lead: { Owner: 'User' },
  Account: { Owner: 'User' },
  User: {},
};

/** Fields every custom object has (OwnerId only when it is not the detail of a master-detail). */
const CUSTOM_OBJECT_SYSTEM_FIELDS = [
  'Id',
  'Name',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
  'IsDeleted',
  'LastViewedDate',
  'LastReferencedDate',
];

function standardField(name: string, type = 'Standard', referenceTo?: string): FieldInfo {
  return {
    name,
    type,
    required: false,
    unique: false,
    externalId: false,
    picklistValues: [],
    restricted: false,
    referenceTo,
  };
}

function num(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Reads one field file. */
export function readField(file: string, base: string): FieldInfo {
  const node = parseMetadata(readText(file));
  const valueSet = children(node, 'valueSet')[0];
  const definition = valueSet ? children(valueSet, 'valueSetDefinition')[0] : undefined;
  const values = definition ? children(definition, 'value') : [];
  return {
    name: text(node, 'fullName') ?? basename(file).replace(/\.field-meta\.xml$/, ''),
    type: text(node, 'type') ?? '',
    label: text(node, 'label'),
    description: text(node, 'description'),
    inlineHelpText: text(node, 'inlineHelpText'),
    required: text(node, 'required') === 'true' || text(node, 'type') === 'MasterDetail',
    unique: text(node, 'unique') === 'true',
    externalId: text(node, 'externalId') === 'true',
    length: num(text(node, 'length')),
    precision: num(text(node, 'precision')),
    scale: num(text(node, 'scale')),
    defaultValue: text(node, 'defaultValue'),
    referenceTo: text(node, 'referenceTo'),
    relationshipName: text(node, 'relationshipName'),
    deleteConstraint: text(node, 'deleteConstraint'),
    picklistValues: values.map((v) => text(v, 'fullName') ?? ''),
    picklistDefault: values.filter((v) => text(v, 'default') === 'true').map((v) => text(v, 'fullName'))[0],
    restricted: valueSet ? text(valueSet, 'restricted') === 'true' : false,
    file: displayPath(file, base),
  };
}

/**
 * Loads objects/ under forceAppDefault (force-app/main/default). Paths in the schema are relative to base
 * (the project root) for messages.
 */
export function loadSchema(forceAppDefault: string, base: string): Schema {
  const schema: Schema = new Map();
  for (const [name, fields] of Object.entries(STANDARD_FIELDS)) {
    const info: ObjectInfo = {
      name,
      custom: false,
      fields: new Map(),
      childRelationships: new Map(),
      validationRules: [],
    };
    for (const field of fields) info.fields.set(field, standardField(field));
    for (const [relationship, target] of Object.entries(STANDARD_RELATIONSHIPS[name] ?? {})) {
      info.fields.set(`${relationship}Id`, standardField(`${relationship}Id`, 'Lookup', target));
    }
    schema.set(name, info);
  }

  const objectsDir = join(forceAppDefault, 'objects');
  for (const name of listDirs(objectsDir)) {
    const dir = join(objectsDir, name);
    const objectFile = join(dir, `${name}.object-meta.xml`);
    const existing = schema.get(name);
    const info: ObjectInfo = existing ?? {
      name,
      custom: true,
      fields: new Map(),
      childRelationships: new Map(),
      validationRules: [],
    };
    if (existsSync(objectFile)) {
      const node = parseMetadata(readText(objectFile));
      const nameField = children(node, 'nameField')[0];
      info.file = displayPath(objectFile, base);
      info.label = text(node, 'label');
      info.sharingModel = text(node, 'sharingModel');
      info.nameFieldType = nameField ? text(nameField, 'type') : undefined;
      info.displayFormat = nameField ? text(nameField, 'displayFormat') : undefined;
    }
    for (const file of listFiles(join(dir, 'fields'), (path) => path.endsWith('.field-meta.xml'))) {
      const field = readField(file, base);
      info.fields.set(field.name, field);
    }
    for (const file of listFiles(join(dir, 'validationRules'), (path) => path.endsWith('.validationRule-meta.xml'))) {
      const node = parseMetadata(readText(file));
      info.validationRules.push({
        name: text(node, 'fullName') ?? basename(file).replace(/\.validationRule-meta\.xml$/, ''),
        formula: text(node, 'errorConditionFormula') ?? '',
        active: text(node, 'active') === 'true',
        file: displayPath(file, base),
      });
    }
    schema.set(name, info);
  }

  for (const info of schema.values()) {
    if (!info.custom) continue;
    const isDetail = [...info.fields.values()].some((f) => f.type === 'MasterDetail');
    for (const field of CUSTOM_OBJECT_SYSTEM_FIELDS) {
      if (!info.fields.has(field)) info.fields.set(field, standardField(field));
    }
    if (!isDetail && !info.fields.has('OwnerId'))
      info.fields.set('OwnerId', standardField('OwnerId', 'Lookup', 'User'));
    for (const system of ['CreatedById', 'LastModifiedById']) info.fields.get(system)!.referenceTo = 'User';
  }

  // Child relationships, for sub-queries such as (SELECT Id FROM Resource_Types__r).
  for (const info of schema.values()) {
    for (const field of info.fields.values()) {
      if (!field.referenceTo || !field.relationshipName) continue;
      schema.get(field.referenceTo)?.childRelationships.set(`${field.relationshipName}__r`, info.name);
    }
  }
  return schema;
}

function lookup<V>(map: Map<string, V>, key: string, caseInsensitive: boolean): V | undefined {
  const exact = map.get(key);
  if (exact !== undefined || !caseInsensitive) return exact;
  const lower = key.toLowerCase();
  for (const [k, v] of map) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function findObject(schema: Schema, name: string, caseInsensitive = false): ObjectInfo | undefined {
  return lookup(schema, name, caseInsensitive);
}

export function findField(object: ObjectInfo, name: string, caseInsensitive = false): FieldInfo | undefined {
  return lookup(object.fields, name, caseInsensitive);
}

export function findChildRelationship(object: ObjectInfo, name: string, caseInsensitive = false): string | undefined {
  return lookup(object.childRelationships, name, caseInsensitive);
}

/** Whether an object name is one this package would have to define (custom object, or an allow-listed standard one). */
export function isCheckedObject(name: string): boolean {
  return /__c$/i.test(name) || Object.keys(STANDARD_FIELDS).some((o) => o.toLowerCase() === name.toLowerCase());
}

/**
 * Follows a field path from an object, e.g. `Resource__r.Time_Zone__c` on Slotwise_Appointment__c.
 * Returns undefined when it resolves, otherwise why not. Paths into objects outside the package and its
 * allow-list are not followed (nothing here describes them). Unless strict, a standard field of a standard
 * object that is not in the allow-list is accepted (code may use standard fields the package does not grant).
 */
export function resolveFieldPath(
  schema: Schema,
  objectName: string,
  path: string,
  caseInsensitive = false,
  strict = false,
): string | undefined {
  let object = findObject(schema, objectName, caseInsensitive);
  if (!object) return isCheckedObject(objectName) ? `object ${objectName} does not exist` : undefined;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (last) {
      if (findField(object, part, caseInsensitive)) return undefined;
      if (!object.custom && !strict && !/__c$/i.test(part)) return undefined;
      const hint = object.custom
        ? ''
        : ' (add it to STANDARD_FIELDS in test/salesforce/helpers/schema.ts if it is a real field)';
      return `field ${object.name}.${part} does not exist${hint}`;
    }
    let target: string | undefined;
    if (/__r$/i.test(part)) {
      const field = findField(object, part.replace(/__r$/i, '__c'), caseInsensitive);
      if (!field)
        return `relationship ${object.name}.${part} does not exist (no field ${part.replace(/__r$/i, '__c')})`;
      if (!field.referenceTo) return `${object.name}.${field.name} is not a lookup, so ${part} does not exist`;
      target = field.referenceTo;
    } else {
      const field = findField(object, `${part}Id`, caseInsensitive);
      if (!field?.referenceTo) {
        if (!object.custom) return undefined; // a standard relationship outside the allow-list: not described here
        if (['Owner', 'CreatedBy', 'LastModifiedBy'].some((r) => r.toLowerCase() === part.toLowerCase())) {
          target = 'User';
          if (part.toLowerCase() === 'owner' && !findField(object, 'OwnerId')) {
            return `${object.name} has no owner (it is the detail of a master-detail), so ${part} does not exist`;
          }
        } else {
          return `relationship ${object.name}.${part} does not exist`;
        }
      } else {
        target = field.referenceTo;
      }
    }
    const next = findObject(schema, target, caseInsensitive);
    if (!next) return undefined; // e.g. a lookup to an object outside the allow-list
    object = next;
  }
  return undefined;
}

/** 1-based line of the first occurrence of needle in a file's text (1 when absent). */
export function lineOf(textContent: string, needle: string): number {
  const at = textContent.indexOf(needle);
  return at < 0 ? 1 : lineAt(textContent, at);
}
