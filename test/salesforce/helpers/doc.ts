// The data-model contract in docs/salesforce-package.md, parsed from its tables, and a comparison with
// the objects in force-app.
import { lineAt, type Problem } from './files.ts';
import type { FieldInfo, ObjectInfo, Schema } from './schema.ts';

/** A field as the contract describes it, in the terms of force-app's FieldInfo, plus where it is described. */
export type DocField = Pick<
  FieldInfo,
  | 'name'
  | 'type'
  | 'required'
  | 'unique'
  | 'externalId'
  | 'length'
  | 'precision'
  | 'scale'
  | 'referenceTo'
  | 'picklistDefault'
  | 'defaultValue'
> & {
  line: number;
  picklistValues?: string[];
  defaultTime?: string;
};

export type DocObject = {
  name: string;
  line: number;
  autoNumber?: string;
  sharingModel: string;
  fields: DocField[];
};

const TYPE_WORDS: [RegExp, string][] = [
  [/^Number\(/, 'Number'],
  [/^Currency\(/, 'Currency'],
  [/^Text\(/, 'Text'],
  [/^LongTextArea\(/, 'LongTextArea'],
  [/^Picklist\b/, 'Picklist'],
  [/^Checkbox\b/, 'Checkbox'],
  [/^Lookup\(/, 'Lookup'],
  [/^Master-Detail\(/, 'MasterDetail'],
  [/^DateTime\b/, 'DateTime'],
  [/^Date\b/, 'Date'],
  [/^Time\b/, 'Time'],
  [/^Phone\b/, 'Phone'],
  [/^Email\b/, 'Email'],
];

/** Parses one type cell such as "Number(4,0), default 15" or "Picklist: `A` (default), `B`, required". */
export function parseDocType(cell: string, notes = ''): Omit<DocField, 'name' | 'line'> | undefined {
  const type = TYPE_WORDS.find(([re]) => re.test(cell))?.[1];
  if (!type) return undefined;
  const field: Omit<DocField, 'name' | 'line'> = {
    type,
    required: /\brequired\b/.test(cell),
    unique: /\bunique\b/.test(cell),
    externalId: /\bExternal ID\b/.test(cell),
  };
  const size = /^\w[\w-]*\((\d+)(?:\s*,\s*(\d+))?\)/.exec(cell);
  if (size && (type === 'Number' || type === 'Currency')) {
    // Salesforce writes Number(4,0) / Currency(16,2) as digits before and after the point: precision is the sum.
    field.scale = Number(size[2] ?? 0);
    field.precision = Number(size[1]) + field.scale;
  } else if (size) {
    field.length = Number(size[1]);
  }
  const reference = /^(?:Lookup|Master-Detail)\(`?(\w+)`?\)/.exec(cell);
  if (reference) field.referenceTo = reference[1];
  if (type === 'Picklist') {
    const list = cell.replace(/^Picklist:?/, '');
    field.picklistValues = [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    field.picklistDefault = /`([^`]+)`\s*\(default\)/.exec(list)?.[1];
    const range = /`(\w+)`\s*…\s*`(\w+)`/.exec(list);
    if (range && range[1] === 'Monday' && range[2] === 'Sunday') {
      field.picklistValues = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
    }
  }
  const def = /\bdefault\s+(`"[^"]*"`|"[^"]*"|true|false|-?\d+(?:\.\d+)?)/.exec(cell);
  if (def) field.defaultValue = def[1]!.replace(/`/g, '');
  const time = /\bdefault\s+(\d{2}:\d{2})/.exec(`${cell} ${notes}`);
  if (time) field.defaultTime = time[1];
  return field;
}

/** The objects and fields of the "Data model" section. */
export function parseDocModel(markdown: string): DocObject[] {
  const objects: DocObject[] = [];
  const privateObjects = new Set(
    [...(/Private for\s+`(\w+)`\s+and\s+`(\w+)`/.exec(markdown.replace(/\s+/g, ' ')) ?? [])].slice(1),
  );
  const lines = markdown.split('\n');
  let current: DocObject | undefined;
  let offset = 0;
  for (const line of lines) {
    const heading = /^###\s+`(\w+__c)`(.*)$/.exec(line);
    if (heading) {
      const name = heading[1]!;
      current = {
        name,
        line: lineAt(markdown, offset),
        autoNumber: /autonumber\s+`([^`]+)`/.exec(heading[2]!)?.[1],
        sharingModel: privateObjects.has(name) ? 'Private' : 'ReadWrite',
        fields: [],
      };
      objects.push(current);
    } else if (/^##\s/.test(line)) {
      current = undefined;
    } else if (current && line.startsWith('|')) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const fieldNames = [...(cells[0] ?? '').matchAll(/`(\w+__c)`/g)].map((m) => m[1]!);
      const parsed = parseDocType(cells[1] ?? '', cells[2] ?? '');
      if (fieldNames.length > 0 && parsed) {
        for (const name of fieldNames) current.fields.push({ name, line: lineAt(markdown, offset), ...parsed });
        if (parsed.type === 'MasterDetail') current.sharingModel = 'ControlledByParent';
      }
    }
    offset += line.length + 1;
  }
  return objects;
}

function compareField(doc: DocField, field: FieldInfo, object: ObjectInfo): string[] {
  const wrong: string[] = [];
  const expect = (what: string, want: unknown, have: unknown) => {
    if (want !== undefined && JSON.stringify(want) !== JSON.stringify(have)) {
      wrong.push(`${what} should be ${JSON.stringify(want)}, is ${JSON.stringify(have)}`);
    }
  };
  expect('type', doc.type, field.type);
  expect('length', doc.length, field.length);
  expect('precision', doc.precision, field.precision);
  expect('scale', doc.scale, field.scale);
  expect('referenceTo', doc.referenceTo, field.referenceTo);
  if (doc.type === 'Picklist') {
    expect('picklist values', doc.picklistValues, field.picklistValues);
    expect('default picklist value', doc.picklistDefault ?? null, field.picklistDefault ?? null);
    if (!field.restricted) wrong.push('picklist should be restricted');
  }
  if (doc.unique && !field.unique) wrong.push('should be unique');
  if (doc.externalId && !field.externalId) wrong.push('should be an External ID');
  if (doc.required && !field.required) {
    // Long text areas cannot be required fields; a validation rule `ISBLANK(Field__c)` stands in.
    const rule = object.validationRules.find(
      (r) => r.active && r.formula.replace(/\s+/g, '') === `ISBLANK(${field.name})`,
    );
    if (!(doc.type === 'LongTextArea' && rule)) wrong.push('should be required');
  }
  if (!doc.required && field.required && doc.type !== 'MasterDetail') wrong.push('should not be required');
  if (doc.defaultValue !== undefined) {
    const have = field.defaultValue ?? (field.type === 'Checkbox' ? 'false' : undefined);
    expect('default', doc.defaultValue, have);
  } else if (doc.type === 'Checkbox') {
    expect('default', 'false', field.defaultValue);
  } else if (doc.defaultTime === undefined && field.defaultValue !== undefined) {
    wrong.push(`has default ${field.defaultValue}, the contract gives none`);
  }
  if (doc.defaultTime !== undefined && !(field.defaultValue ?? '').includes(`"${doc.defaultTime}`)) {
    wrong.push(`default should be ${doc.defaultTime}, is ${JSON.stringify(field.defaultValue)}`);
  }
  return wrong;
}

/**
 * Everything that differs between the contract and force-app: missing or extra objects and fields, types,
 * sizes, picklist values, defaults, required/unique/External ID, name fields and sharing models. Problems point
 * at the field file when it exists, otherwise at the contract.
 */
export function docModelProblems(docObjects: DocObject[], schema: Schema, docFile: string): Problem[] {
  const problems: Problem[] = [];
  for (const doc of docObjects) {
    const object = schema.get(doc.name);
    if (!object?.file) {
      problems.push({
        file: docFile,
        line: doc.line,
        message: `object ${doc.name} is in the contract but not in force-app`,
      });
      continue;
    }
    const objectProblem = (message: string) => problems.push({ file: object.file!, line: 1, message });
    if (object.sharingModel !== doc.sharingModel) {
      objectProblem(`sharingModel should be ${doc.sharingModel}, is ${object.sharingModel}`);
    }
    if (doc.autoNumber) {
      if (object.nameFieldType !== 'AutoNumber' || object.displayFormat !== doc.autoNumber) {
        objectProblem(
          `name should be an auto-number ${doc.autoNumber}, is ${object.nameFieldType} ${object.displayFormat ?? ''}`,
        );
      }
    } else if (object.nameFieldType !== 'Text') {
      objectProblem(`name should be a text field, is ${object.nameFieldType}`);
    }
    for (const docField of doc.fields) {
      const field = object.fields.get(docField.name);
      if (!field?.file) {
        problems.push({
          file: docFile,
          line: docField.line,
          message: `field ${doc.name}.${docField.name} is in the contract but not in force-app`,
        });
        continue;
      }
      for (const wrong of compareField(docField, field, object)) {
        problems.push({ file: field.file, line: 1, message: `${doc.name}.${docField.name}: ${wrong}` });
      }
    }
    for (const field of object.fields.values()) {
      if (field.file && !doc.fields.some((f) => f.name === field.name)) {
        problems.push({
          file: field.file,
          line: 1,
          message: `${doc.name}.${field.name} is not in the contract (${docFile})`,
        });
      }
    }
  }
  for (const object of schema.values()) {
    if (object.custom && object.file && !docObjects.some((d) => d.name === object.name)) {
      problems.push({
        file: object.file,
        line: 1,
        message: `object ${object.name} is not in the contract (${docFile})`,
      });
    }
  }
  return problems;
}

/** Every custom field has a label, a description and inline help (the contract asks for all three). */
export function fieldDocumentationProblems(schema: Schema): Problem[] {
  const problems: Problem[] = [];
  for (const object of schema.values()) {
    for (const field of object.fields.values()) {
      if (!field.file) continue;
      for (const [what, value] of [
        ['label', field.label],
        ['description', field.description],
        ['inlineHelpText', field.inlineHelpText],
      ] as const) {
        if (!value?.trim())
          problems.push({ file: field.file, line: 1, message: `${object.name}.${field.name} has no ${what}` });
      }
    }
  }
  return problems;
}
