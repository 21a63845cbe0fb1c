// `sf data import tree` files: a plan and its record files, checked against the schema.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { displayPath, lineAt, readText, type Problem } from './files.ts';
import { findField, findObject, type Schema } from './schema.ts';

type PlanEntry = { sobject: string; saveRefs?: boolean; resolveRefs?: boolean; files: string[] };
type TreeRecord = { attributes?: { type?: string; referenceId?: string } } & Record<string, unknown>;

const TIME = /^\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:?\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Problems in a data tree plan: missing files, unknown objects and fields, values that do not fit the
 * field (picklist values, times, numbers), required fields left out, and references (`@Ref`) that no
 * earlier plan entry saves.
 */
export function demoDataProblems(planPath: string, schema: Schema, root: string): Problem[] {
  const problems: Problem[] = [];
  const planFile = displayPath(planPath, root);
  let plan: PlanEntry[];
  try {
    plan = JSON.parse(readText(planPath)) as PlanEntry[];
  } catch (error) {
    return [{ file: planFile, line: 1, message: `not valid JSON: ${(error as Error).message}` }];
  }
  const saved = new Set<string>();
  for (const entry of plan) {
    const object = findObject(schema, entry.sobject);
    if (!object) problems.push({ file: planFile, line: 1, message: `object ${entry.sobject} does not exist` });
    for (const name of entry.files) {
      const path = join(dirname(planPath), name);
      const file = displayPath(path, root);
      if (!existsSync(path)) {
        problems.push({ file: planFile, line: 1, message: `${name} does not exist` });
        continue;
      }
      const text = readText(path);
      let records: TreeRecord[];
      try {
        records = (JSON.parse(text) as { records: TreeRecord[] }).records;
      } catch (error) {
        problems.push({ file, line: 1, message: `not valid JSON: ${(error as Error).message}` });
        continue;
      }
      const refs: string[] = [];
      for (const record of records) {
        const referenceId = record.attributes?.referenceId ?? '';
        const recordAt = Math.max(0, text.indexOf(`"${referenceId}"`));
        const problem = (key: string, message: string) => {
          const at = text.indexOf(`"${key}"`, recordAt);
          problems.push({ file, line: lineAt(text, at < 0 ? recordAt : at), message });
        };
        if (record.attributes?.type !== entry.sobject) {
          problem('type', `record type ${record.attributes?.type} is not the plan's ${entry.sobject}`);
        }
        if (!referenceId) problem('attributes', 'record has no referenceId');
        refs.push(referenceId);
        if (!object) continue;
        for (const [key, value] of Object.entries(record)) {
          if (key === 'attributes') continue;
          const field = findField(object, key);
          if (!field) {
            problem(key, `field ${object.name}.${key} does not exist`);
            continue;
          }
          if (key === 'Name' && object.nameFieldType === 'AutoNumber')
            problem(key, `${object.name}.Name is an auto-number`);
          if (typeof value === 'string' && value.startsWith('@')) {
            if (!field.referenceTo) problem(key, `${object.name}.${key} is not a lookup but holds reference ${value}`);
            else if (!entry.resolveRefs) problem(key, `${value} needs "resolveRefs": true in the plan`);
            else if (!saved.has(value.slice(1))) problem(key, `${value} is not saved by an earlier plan entry`);
            continue;
          }
          const bad = (what: string) => problem(key, `${object.name}.${key}: ${JSON.stringify(value)} is not ${what}`);
          switch (field.type) {
            case 'Picklist':
              if (!field.picklistValues.includes(String(value))) bad(`one of ${field.picklistValues.join(', ')}`);
              break;
            case 'Time':
              if (typeof value !== 'string' || !TIME.test(value)) bad('a time such as 09:00:00.000Z');
              break;
            case 'DateTime':
              if (typeof value !== 'string' || !DATETIME.test(value)) bad('an ISO date-time');
              break;
            case 'Date':
              if (typeof value !== 'string' || !DATE.test(value)) bad('a date');
              break;
            case 'Checkbox':
              if (typeof value !== 'boolean') bad('true or false');
              break;
            case 'Number':
            case 'Currency':
              if (typeof value !== 'number') bad('a number');
              break;
            case 'Text':
            case 'LongTextArea':
              if (typeof value !== 'string' || (field.length !== undefined && value.length > field.length)) {
                bad(`text of at most ${field.length} characters`);
              }
              break;
          }
        }
        for (const field of object.fields.values()) {
          if (field.file && field.required && field.defaultValue === undefined && !(field.name in record)) {
            problem('attributes', `${object.name}.${field.name} is required but not given`);
          }
        }
        if (object.nameFieldType === 'Text' && !('Name' in record))
          problem('attributes', `${object.name}.Name is required but not given`);
      }
      if (entry.saveRefs) for (const ref of refs) saved.add(ref);
    }
  }
  return problems;
}
