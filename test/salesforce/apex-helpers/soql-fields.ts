/**
 * apex-ls checks field references in Apex expressions but not inside SOQL, so this checks the field names of
 * static SOQL against force-app's object metadata: every field selected, filtered or sorted on a custom object
 * must exist, and `X__r.Field` paths must follow a lookup or master-detail field `X__c`.
 * Standard objects (Contact, Lead, NamedCredential...) are not described offline and are skipped.
 */
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
import { findField, findObject, type ObjectInfo, type Schema } from '../helpers/schema.ts';
import type { ApexFile, Finding } from './apex-source.ts';

const SYSTEM_RELATIONSHIPS = new Set(['owner', 'createdby', 'lastmodifiedby']);

/** A custom object of force-app, by name in any case; standard objects are not described offline. */
function customObject(schema: Schema, name: string): ObjectInfo | undefined {
  const object = findObject(schema, name, true);
  return object?.custom ? object : undefined;
}

/** Why a path does not resolve on the object, or undefined when it does (or cannot be checked offline). */
function checkPath(schema: Schema, objectName: string, fieldPath: string): string | undefined {
  let object = customObject(schema, objectName);
  let current = objectName;
  const parts = fieldPath.split('.');
  for (const [i, part] of parts.entries()) {
    if (!object) return undefined; // a standard object: not described offline
    const lower = part.toLowerCase();
    if (i === parts.length - 1) {
      return findField(object, part, true) ? undefined : `unknown field ${part} on ${current}`;
    }
    if (SYSTEM_RELATIONSHIPS.has(lower)) return undefined; // User: standard
    if (!lower.endsWith('__r')) return `${part} is not a relationship of ${current}`;
    const lookup = findField(object, part.replace(/__r$/i, '__c'), true);
    if (!lookup || !['Lookup', 'MasterDetail'].includes(lookup.type)) {
      return `unknown relationship ${part} on ${current}`;
    }
    current = lookup.referenceTo ?? '';
    object = customObject(schema, current);
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

/** Checks a file's static SOQL against the schema loadSchema (helpers/schema.ts) reads from force-app. */
export function checkSoqlFields(file: ApexFile, schema: Schema): Finding[] {
  const findings: Finding[] = [];
  class Checker extends ApexParserBaseListener {
    enterFieldName = (ctx: FieldNameContext) => {
      if (isWithin(ctx, FromNameListContext)) return;
      const query = nearestQuery(ctx);
      if (!query || (query instanceof SubQueryContext && isChildRelationshipQuery(query))) return;
      const from = query.fromNameList().fieldName(0)?.getText();
      if (!from) return;
      if (/__c$/i.test(from) && !customObject(schema, from)) {
        findings.push({
          file: file.file,
          line: ctx.start.line,
          column: ctx.start.column,
          message: `unknown object ${from}`,
        });
        return;
      }
      const problem = checkPath(schema, from, ctx.getText());
      if (problem) findings.push({ file: file.file, line: ctx.start.line, column: ctx.start.column, message: problem });
    };
  }
  ApexParseTreeWalker.DEFAULT.walk(new Checker(), file.tree);
  return findings;
}
