/**
 * apex-ls checks field references in Apex expressions but not inside SOQL, so this checks the field names of
 * static SOQL against force-app's object metadata: every field selected, filtered or sorted on a custom object
 * must exist, and `X__r.Field` paths must follow a lookup or master-detail field `X__c`.
 * Standard objects (Contact, Lead, NamedCredential...) are not described offline and are skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import {
  ApexParserBaseListener,
  ApexParseTreeWalker,
  FieldNameContext,
  FromNameListContext,
  QueryContext,
  SubQueryContext,
  SelectEntryContext,
  SubFieldEntryContext,
  type ApexParserRuleContext,
} from '@apexdevtools/apex-parser';
import type { ApexFile, Finding } from './apex-source.ts';

interface FieldInfo {
  type: string;
  referenceTo: string | undefined;
}

export type ObjectCatalog = Map<string, Map<string, FieldInfo>>; // lower-case object → lower-case field → info

// System fields every custom object has (OwnerId only when it is not the detail of a master-detail).
const SYSTEM_FIELDS = [
  'id',
  'name',
  'createddate',
  'createdbyid',
  'lastmodifieddate',
  'lastmodifiedbyid',
  'systemmodstamp',
  'isdeleted',
  'lastvieweddate',
  'lastreferenceddate',
];
const SYSTEM_RELATIONSHIPS = new Set(['owner', 'createdby', 'lastmodifiedby']);

export function loadObjects(objectsDir: string): ObjectCatalog {
  const catalog: ObjectCatalog = new Map();
  if (!existsSync(objectsDir)) return catalog;
  const xml = new XMLParser();
  for (const objectName of readdirSync(objectsDir)) {
    const fields = new Map<string, FieldInfo>();
    const fieldsDir = path.join(objectsDir, objectName, 'fields');
    let detail = false;
    if (existsSync(fieldsDir)) {
      for (const file of readdirSync(fieldsDir).filter((f) => f.endsWith('.field-meta.xml'))) {
        const parsed = xml.parse(readFileSync(path.join(fieldsDir, file), 'utf8')) as {
          CustomField?: { fullName?: string; type?: string; referenceTo?: string };
        };
        const field = parsed.CustomField;
        const fullName = field?.fullName ?? file.replace('.field-meta.xml', '');
        fields.set(fullName.toLowerCase(), { type: field?.type ?? '', referenceTo: field?.referenceTo });
        if (field?.type === 'MasterDetail') detail = true;
      }
    }
    for (const name of detail ? SYSTEM_FIELDS : [...SYSTEM_FIELDS, 'ownerid']) {
      if (!fields.has(name)) fields.set(name, { type: 'System', referenceTo: undefined });
    }
    catalog.set(objectName.toLowerCase(), fields);
  }
  return catalog;
}

/** Why a path does not resolve on the object, or undefined when it does (or cannot be checked offline). */
function checkPath(catalog: ObjectCatalog, objectName: string, fieldPath: string): string | undefined {
  let fields = catalog.get(objectName.toLowerCase());
  let current = objectName;
  const parts = fieldPath.split('.');
  for (const [i, part] of parts.entries()) {
    if (!fields) return undefined; // a standard object: not described offline
    const lower = part.toLowerCase();
    if (i === parts.length - 1) {
      return fields.has(lower) ? undefined : `unknown field ${part} on ${current}`;
    }
    if (SYSTEM_RELATIONSHIPS.has(lower)) return undefined; // User: standard
    if (!lower.endsWith('__r')) return `${part} is not a relationship of ${current}`;
    const lookup = fields.get(lower.replace(/__r$/, '__c'));
    if (!lookup || !['Lookup', 'MasterDetail'].includes(lookup.type)) {
      return `unknown relationship ${part} on ${current}`;
    }
    current = lookup.referenceTo ?? '';
    fields = catalog.get(current.toLowerCase());
  }
  return undefined;
}

function nearestQuery(ctx: ApexParserRuleContext): QueryContext | SubQueryContext | undefined {
  for (let p = ctx.parentCtx; p; p = p.parentCtx) {
    if (p instanceof QueryContext || p instanceof SubQueryContext) return p;
  }
  return undefined;
}

function isWithin(ctx: ApexParserRuleContext, type: typeof FromNameListContext): boolean {
  for (let p = ctx.parentCtx; p; p = p.parentCtx) {
    if (p instanceof type) return true;
    if (p instanceof QueryContext || p instanceof SubQueryContext) return false;
  }
  return false;
}

/** Child-relationship sub-queries, e.g. (SELECT Id FROM Resource_Types__r): FROM names a relationship. */
function isChildRelationshipQuery(q: SubQueryContext): boolean {
  return q.parentCtx instanceof SelectEntryContext || q.parentCtx instanceof SubFieldEntryContext;
}

export function checkSoqlFields(file: ApexFile, catalog: ObjectCatalog): Finding[] {
  const findings: Finding[] = [];
  class Checker extends ApexParserBaseListener {
    enterFieldName = (ctx: FieldNameContext) => {
      if (isWithin(ctx, FromNameListContext)) return;
      const query = nearestQuery(ctx);
      if (!query || (query instanceof SubQueryContext && isChildRelationshipQuery(query))) return;
      const from = query.fromNameList().fieldName(0)?.getText();
      if (!from) return;
      if (from.toLowerCase().endsWith('__c') && !catalog.has(from.toLowerCase())) {
        findings.push({
          file: file.file,
          line: ctx.start.line,
          column: ctx.start.column,
          message: `unknown object ${from}`,
        });
        return;
      }
      const problem = checkPath(catalog, from, ctx.getText());
      if (problem) findings.push({ file: file.file, line: ctx.start.line, column: ctx.start.column, message: problem });
    };
  }
  ApexParseTreeWalker.DEFAULT.walk(new Checker(), file.tree);
  return findings;
}
