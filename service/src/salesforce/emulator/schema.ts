// The emulated org's data model, read from force-app's own object and field metadata, plus a small
// description of the standard objects and fields the service touches.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'date'
  | 'datetime'
  | 'time'
  | 'reference';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** Needed on create; such fields cannot appear in a permission set, so they are always accessible. */
  required: boolean;
  unique: boolean;
  externalId: boolean;
  /** Written by the platform only (Id, audit fields, auto-number Name). */
  system: boolean;
  /** Master-detail: required, and like system fields outside field-level security. */
  masterDetail: boolean;
  /** Name, FirstName, LastName and OwnerId: not subject to field-level security either. */
  alwaysAccessible: boolean;
  referenceTo?: string;
  /** SOQL relationship name for lookups, e.g. `Resource__r` or `Owner`. */
  relationshipName?: string;
  picklistValues: string[];
  restrictedPicklist: boolean;
  defaultValue?: string | number | boolean;
  length?: number;
}

export interface ObjectDef {
  name: string;
  keyPrefix: string;
  custom: boolean;
  /** `APT-{000000}` when Name is an auto-number. */
  autoNumberFormat?: string;
  fields: Map<string, FieldDef>;
}

export class Schema {
  readonly #objects = new Map<string, ObjectDef>();
  add(object: ObjectDef): void {
    this.#objects.set(object.name.toLowerCase(), object);
  }
  object(name: string): ObjectDef | undefined {
    return this.#objects.get(name.toLowerCase());
  }
  objects(): ObjectDef[] {
    return [...this.#objects.values()];
  }
  field(object: ObjectDef, name: string): FieldDef | undefined {
    return object.fields.get(name.toLowerCase());
  }
  /** The object whose id this is, from its key prefix. */
  objectForId(id: string): ObjectDef | undefined {
    return this.objects().find((object) => id.startsWith(object.keyPrefix));
  }
}

function field(name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef {
  return {
    name,
    type,
    required: false,
    unique: false,
    externalId: false,
    system: false,
    masterDetail: false,
    alwaysAccessible: false,
    picklistValues: [],
    restrictedPicklist: false,
    ...extra,
  };
}

/** Fields every object has, written only by the platform. */
function systemFields(withOwner: boolean): FieldDef[] {
  const fields = [
    field('Id', 'id', { system: true }),
    field('CreatedDate', 'datetime', { system: true }),
    field('CreatedById', 'reference', { system: true, referenceTo: 'User', relationshipName: 'CreatedBy' }),
    field('LastModifiedDate', 'datetime', { system: true }),
    field('LastModifiedById', 'reference', { system: true, referenceTo: 'User', relationshipName: 'LastModifiedBy' }),
    field('SystemModstamp', 'datetime', { system: true }),
    field('IsDeleted', 'boolean', { system: true }),
  ];
  if (withOwner) {
    fields.push(
      field('OwnerId', 'reference', { alwaysAccessible: true, referenceTo: 'User', relationshipName: 'Owner' }),
    );
  }
  return fields;
}

/** Standard objects without an owner. */
const UNOWNED = new Set(['User', 'Organization']);

function standardObject(name: string, keyPrefix: string, fields: FieldDef[]): ObjectDef {
  const all = [...systemFields(!UNOWNED.has(name)), ...fields];
  return { name, keyPrefix, custom: false, fields: new Map(all.map((f) => [f.name.toLowerCase(), f])) };
}

const personFields = (): FieldDef[] => [
  field('FirstName', 'string', { alwaysAccessible: true, length: 40 }),
  field('LastName', 'string', { alwaysAccessible: true, required: true, length: 80 }),
  field('Name', 'string', { system: true, alwaysAccessible: true }),
  field('Email', 'email', { length: 80 }),
  field('Phone', 'phone', { length: 40 }),
  field('MobilePhone', 'phone', { length: 40 }),
];

/** The standard objects the service uses, with the fields it may touch (and a few it must not). */
function standardObjects(): ObjectDef[] {
  return [
    standardObject('Contact', '003', [...personFields(), field('Birthdate', 'date')]),
    standardObject('Lead', '00Q', [
      ...personFields(),
      // Required on every Lead in a real org, so they are outside field-level security too.
      field('Company', 'string', { required: true, length: 255 }),
      field('Status', 'picklist', {
        required: true,
        defaultValue: 'Open - Not Contacted',
        picklistValues: ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'],
      }),
    ]),
    standardObject('User', '005', [
      field('Name', 'string', { system: true, alwaysAccessible: true }),
      field('Email', 'email'),
      field('MobilePhone', 'phone'),
    ]),
    // The org itself: one record, its id the org id; every user can read it.
    standardObject('Organization', '00D', [field('Name', 'string', { system: true, alwaysAccessible: true })]),
  ];
}

type Xml = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

function readXml(file: string, root: string): Xml {
  const parsed = parser.parse(readFileSync(file, 'utf8')) as Xml;
  return (parsed[root] ?? {}) as Xml;
}

function list(value: unknown): Xml[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Xml[];
}

const TYPES: Record<string, FieldType> = {
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Email: 'email',
  Phone: 'phone',
  Url: 'url',
  Picklist: 'picklist',
  Checkbox: 'boolean',
  Number: 'double',
  Currency: 'currency',
  Percent: 'double',
  Date: 'date',
  DateTime: 'datetime',
  Time: 'time',
  Lookup: 'reference',
  MasterDetail: 'reference',
};

function defaultValue(type: FieldType, raw: string | undefined): string | number | boolean | undefined {
  if (raw === undefined) return undefined;
  if (type === 'boolean') return raw === 'true';
  if (type === 'double' || type === 'currency') return Number(raw);
  // Text defaults are formulas: a quoted literal is all this emulator understands.
  const quoted = /^"(.*)"$/.exec(raw);
  if (quoted) return quoted[1];
  return undefined;
}

function customField(xml: Xml): FieldDef {
  const metadataType = String(xml.type);
  const type = TYPES[metadataType] ?? 'string';
  const masterDetail = metadataType === 'MasterDetail';
  const values = list(
    (xml.valueSet as Xml | undefined)?.valueSetDefinition && ((xml.valueSet as Xml).valueSetDefinition as Xml).value,
  );
  const picklistDefault = values.find((v) => v.default === 'true')?.fullName as string | undefined;
  const name = String(xml.fullName);
  return field(name, type, {
    required: xml.required === 'true' || masterDetail,
    unique: xml.unique === 'true',
    externalId: xml.externalId === 'true',
    masterDetail,
    ...(xml.referenceTo ? { referenceTo: String(xml.referenceTo), relationshipName: name.replace(/__c$/, '__r') } : {}),
    picklistValues: values.map((v) => String(v.fullName)),
    restrictedPicklist: (xml.valueSet as Xml | undefined)?.restricted === 'true',
    ...(picklistDefault !== undefined ? { defaultValue: picklistDefault } : {}),
    ...(type !== 'picklist' && xml.defaultValue !== undefined
      ? { defaultValue: defaultValue(type, String(xml.defaultValue)) }
      : {}),
    ...(xml.length ? { length: Number(xml.length) } : {}),
  });
}

function customObject(dir: string, name: string, keyPrefix: string): ObjectDef {
  const xml = readXml(join(dir, `${name}.object-meta.xml`), 'CustomObject');
  const nameField = (xml.nameField ?? {}) as Xml;
  const autoNumber = nameField.type === 'AutoNumber';
  const fieldsDir = join(dir, 'fields');
  const fields = existsSync(fieldsDir)
    ? readdirSync(fieldsDir)
        .filter((file) => file.endsWith('.field-meta.xml'))
        .sort()
        .map((file) => customField(readXml(join(fieldsDir, file), 'CustomField')))
    : [];
  const isDetail = fields.some((f) => f.masterDetail);
  const all = [
    ...systemFields(!isDetail),
    field('Name', 'string', { system: autoNumber, required: !autoNumber, alwaysAccessible: true, length: 80 }),
    ...fields,
  ];
  return {
    name,
    keyPrefix,
    custom: true,
    ...(autoNumber ? { autoNumberFormat: String(nameField.displayFormat) } : {}),
    fields: new Map(all.map((f) => [f.name.toLowerCase(), f])),
  };
}

/** Reads `<forceApp>/main/default/objects`; custom objects get key prefixes a00, a01, … in name order. */
export function loadSchema(forceAppDir: string): Schema {
  const schema = new Schema();
  for (const object of standardObjects()) schema.add(object);
  const objectsDir = join(forceAppDir, 'main', 'default', 'objects');
  const names = readdirSync(objectsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.endsWith('__c'))
    .map((entry) => entry.name)
    .sort();
  names.forEach((name, index) => {
    const keyPrefix = `a0${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[index % 26]}`;
    schema.add(customObject(join(objectsDir, name), name, keyPrefix));
  });
  return schema;
}
