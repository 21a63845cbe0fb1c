// Extracts what a piece of metadata or code refers to (objects, fields, classes, components, ...), each
// with the file and line it appears on, so a checker can report references that do not resolve.
import { lineAt } from './files.ts';

export type ReferenceKind =
  | 'object'
  | 'field'
  | 'anyField'
  | 'childRelationship'
  | 'apexClass'
  | 'auraMethod'
  | 'lwc'
  | 'tab'
  | 'application'
  | 'flexipage'
  | 'customPermission'
  | 'permissionSet'
  | 'externalCredential'
  | 'externalCredentialPrincipal'
  | 'namedCredential'
  | 'label';

/**
 * kind `field`: `object` owns the field and `name` is the field or a relationship path (`Resource__r.Name`);
 *   with `relationship`, `object` is the parent and the field belongs to the child object reached through
 *   that child relationship (fields of a sub-query such as `(SELECT Id FROM Resource_Types__r)`).
 * kind `anyField`: a field name whose object the code does not say; it must exist on some object.
 * kind `childRelationship`: `object` is the parent and `name` the relationship (`Resource_Types__r`).
 * kind `auraMethod`: `object` is the Apex class.
 * caseInsensitive: Apex and LWC resolve names without regard to case; metadata files do not.
 * strict: standard fields of standard objects must be in the allow-list (otherwise only custom names are checked).
 */
export type Reference = {
  kind: ReferenceKind;
  name: string;
  object?: string;
  relationship?: string;
  file: string;
  line: number;
  caseInsensitive: boolean;
  strict?: boolean;
};

type Ref = Omit<Reference, 'file' | 'line' | 'caseInsensitive'>;

function at(text: string, file: string, offset: number, caseInsensitive: boolean, ref: Ref): Reference {
  return { ...ref, file, line: lineAt(text, offset), caseInsensitive };
}

/** Elements `<tag>value</tag>` inside blocks `<block>…</block>`, with the offset of each value. */
function valuesIn(text: string, block: string, tag: string): { value: string; offset: number }[] {
  const found: { value: string; offset: number }[] = [];
  const blocks = new RegExp(`<${block}>([\\s\\S]*?)</${block}>`, 'g');
  for (const b of text.matchAll(blocks)) {
    const inner = b[1]!;
    const innerStart = b.index + b[0].indexOf('>') + 1;
    for (const v of inner.matchAll(new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`, 'g'))) {
      found.push({ value: v[1]!, offset: innerStart + v.index });
    }
  }
  return found;
}

/** Top-level `<tag>value</tag>` elements (not inside another block). */
function topValues(text: string, tag: string): { value: string; offset: number }[] {
  return [...text.matchAll(new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`, 'g'))].map((m) => ({
    value: m[1]!,
    offset: m.index,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Metadata files

export function permissionSetReferences(text: string, file: string): Reference[] {
  const refs: Reference[] = [];
  const add = (offset: number, ref: Ref) => refs.push(at(text, file, offset, false, ref));
  for (const { value, offset } of valuesIn(text, 'objectPermissions', 'object'))
    add(offset, { kind: 'object', name: value });
  for (const { value, offset } of valuesIn(text, 'fieldPermissions', 'field')) {
    const dot = value.indexOf('.');
    add(offset, { kind: 'field', object: value.slice(0, dot), name: value.slice(dot + 1), strict: true });
  }
  for (const { value, offset } of valuesIn(text, 'classAccesses', 'apexClass'))
    add(offset, { kind: 'apexClass', name: value });
  for (const { value, offset } of valuesIn(text, 'tabSettings', 'tab')) add(offset, { kind: 'tab', name: value });
  for (const { value, offset } of valuesIn(text, 'applicationVisibilities', 'application')) {
    add(offset, { kind: 'application', name: value });
  }
  for (const { value, offset } of valuesIn(text, 'customPermissions', 'name')) {
    add(offset, { kind: 'customPermission', name: value });
  }
  for (const { value, offset } of valuesIn(
    text,
    'externalCredentialPrincipalAccesses',
    'externalCredentialPrincipal',
  )) {
    add(offset, { kind: 'externalCredentialPrincipal', name: value });
  }
  return refs;
}

/** A custom component in a FlexiPage: `c:name` or a bare `name` (no namespace). */
export function flexiPageReferences(text: string, file: string): Reference[] {
  const refs: Reference[] = [];
  for (const { value, offset } of topValues(text, 'componentName')) {
    if (!value.includes(':') || value.startsWith('c:')) {
      refs.push(at(text, file, offset, false, { kind: 'lwc', name: value.replace(/^c:/, '') }));
    }
  }
  for (const { value, offset } of topValues(text, 'sobjectType'))
    refs.push(at(text, file, offset, false, { kind: 'object', name: value }));
  return refs;
}

export function tabReferences(text: string, file: string, tabName: string): Reference[] {
  const refs: Reference[] = [];
  for (const { value, offset } of topValues(text, 'flexiPage'))
    refs.push(at(text, file, offset, false, { kind: 'flexipage', name: value }));
  for (const { value, offset } of topValues(text, 'lwcComponent'))
    refs.push(at(text, file, offset, false, { kind: 'lwc', name: value }));
  for (const { value, offset } of topValues(text, 'customObject')) {
    if (value === 'true') refs.push(at(text, file, offset, false, { kind: 'object', name: tabName }));
  }
  return refs;
}

export function applicationReferences(text: string, file: string): Reference[] {
  return topValues(text, 'tabs')
    .filter(({ value }) => !value.startsWith('standard-'))
    .map(({ value, offset }) => at(text, file, offset, false, { kind: 'tab', name: value }));
}

export function namedCredentialReferences(text: string, file: string): Reference[] {
  return topValues(text, 'externalCredential').map(({ value, offset }) =>
    at(text, file, offset, false, { kind: 'externalCredential', name: value }),
  );
}

/** A field's lookup target, a list view's columns, a validation rule's display field and formula. */
export function objectMetadataReferences(text: string, file: string, objectName: string): Reference[] {
  const refs: Reference[] = [];
  const add = (offset: number, ref: Ref) => refs.push(at(text, file, offset, false, ref));
  for (const { value, offset } of topValues(text, 'referenceTo')) add(offset, { kind: 'object', name: value });
  for (const { value, offset } of topValues(text, 'columns')) {
    // List view columns name custom fields by API name; standard columns are upper-case tokens (NAME, CREATED_DATE).
    if (/__c$/.test(value)) add(offset, { kind: 'field', object: objectName, name: value });
  }
  for (const { value, offset } of topValues(text, 'errorDisplayField'))
    add(offset, { kind: 'field', object: objectName, name: value });
  for (const formula of topValues(text, 'errorConditionFormula')) {
    const masked = formula.value.replace(/"(?:[^"\\]|\\.)*"/g, (s) => ' '.repeat(s.length));
    for (const m of masked.matchAll(/\b[A-Za-z]\w*__c\b/g)) {
      add(formula.offset, { kind: 'field', object: objectName, name: m[0] });
    }
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------------------
// Apex

export type StringLiteral = { start: number; value: string };

/**
 * Apex source with comments and the insides of string literals replaced by spaces (same length, so
 * offsets and lines still match), plus the string literals themselves.
 */
export function maskApex(source: string): { code: string; strings: StringLiteral[] } {
  const out = source.split('');
  const strings: StringLiteral[] = [];
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'") {
      let j = i + 1;
      let value = '';
      while (j < source.length && source[j] !== "'" && source[j] !== '\n') {
        if (source[j] === '\\' && j + 1 < source.length) {
          value += source[j + 1];
          j += 2;
        } else {
          value += source[j];
          j++;
        }
      }
      strings.push({ start: i + 1, value });
      blank(i + 1, j);
      i = j + 1;
    } else {
      i++;
    }
  }
  return { code: out.join(''), strings };
}

/** Index of the bracket closing the one at `open` (same kind), or -1. */
function closing(text: string, open: number, left: string, right: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === left) depth++;
    else if (text[i] === right) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits on commas that are not inside brackets; each part with its offset in text. */
function splitTopLevel(text: string): { part: string; offset: number }[] {
  const parts: { part: string; offset: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    if (i === text.length || (c === ',' && depth === 0)) {
      parts.push({ part: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return parts;
}

export type FieldUse = { path: string; offset: number };

export type SoqlQuery = {
  /** The FROM object, or for a sub-query in the select list, the child relationship. */
  from: string;
  fromOffset: number;
  fields: FieldUse[];
  /** Sub-queries in the select list: their `from` is a child relationship of this query's object. */
  children: SoqlQuery[];
  /** Sub-queries in WHERE (semi-joins): their `from` is an object. */
  semiJoins: SoqlQuery[];
  /** String literals in the query (for WHERE Name IN ('…') on setup objects). */
  literals: { value: string; offset: number }[];
};

const SOQL_CLAUSE_WORDS = new Set(['WHERE', 'WITH', 'ORDER', 'GROUP', 'LIMIT', 'OFFSET', 'FOR', 'USING', 'HAVING']);
const PATH = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

/** Masks SOQL string literals ('…' with backslash escapes) and returns them. */
function maskSoql(query: string): { masked: string; literals: { value: string; offset: number }[] } {
  const literals: { value: string; offset: number }[] = [];
  const masked = query.replace(/'((?:[^'\\]|\\.)*)'/g, (whole, inner: string, offset: number) => {
    literals.push({ value: inner.replace(/\\(.)/g, '$1'), offset: offset + 1 });
    return `'${' '.repeat(whole.length - 2)}'`;
  });
  return { masked, literals };
}

/**
 * Parses the parts of a SOQL query that name fields: the select list (with sub-queries), the FROM
 * object and field paths in the other clauses. `base` is added to every offset. Returns undefined when the
 * text is not a query this parser understands (e.g. the start of a query built by concatenation).
 */
export function parseSoql(query: string, base = 0): SoqlQuery | undefined {
  const { masked, literals } = maskSoql(query);
  const select = /^\s*SELECT\b/i.exec(masked);
  if (!select) return undefined;
  let depth = 0;
  let fromAt = -1;
  for (let i = select[0].length; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /^FROM\b/i.test(masked.slice(i, i + 5)) && /\W/.test(masked[i - 1] ?? ' ')) {
      fromAt = i;
      break;
    }
  }
  if (fromAt < 0) return undefined;
  const fromMatch = /^FROM\s+([A-Za-z_]\w*)(?:\s+([A-Za-z_]\w*))?/i.exec(masked.slice(fromAt));
  if (!fromMatch) return undefined;
  const alias = fromMatch[2] && !SOQL_CLAUSE_WORDS.has(fromMatch[2].toUpperCase()) ? fromMatch[2] : undefined;
  const stripAlias = (path: string) =>
    alias && path.toLowerCase().startsWith(`${alias.toLowerCase()}.`) ? path.slice(alias.length + 1) : path;

  const result: SoqlQuery = {
    from: fromMatch[1]!,
    fromOffset: base + fromAt + fromMatch[0].indexOf(fromMatch[1]!),
    fields: [],
    children: [],
    semiJoins: [],
    literals: literals.map((l) => ({ value: l.value, offset: base + l.offset })),
  };

  const selectStart = select[0].length;
  for (const { part, offset } of splitTopLevel(masked.slice(selectStart, fromAt))) {
    const item = part.trim();
    const itemOffset = base + selectStart + offset + part.indexOf(item);
    if (item.startsWith('(')) {
      const end = closing(item, 0, '(', ')');
      const child = parseSoql(item.slice(1, end < 0 ? item.length : end), itemOffset + 1);
      if (child) result.children.push(child);
      continue;
    }
    if (/^TYPEOF\b/i.test(item)) continue;
    const call = /^[A-Za-z_]\w*\s*\(([^()]*)\)/.exec(item);
    const path = call ? call[1]!.trim() : (/^[A-Za-z_][\w.]*/.exec(item)?.[0] ?? '');
    if (path && PATH.test(path)) result.fields.push({ path: stripAlias(path), offset: itemOffset });
  }

  // Everything after FROM: semi-join sub-queries first, then field paths (custom names only).
  const restStart = fromAt + fromMatch[0].indexOf(fromMatch[1]!) + fromMatch[1]!.length;
  let rest = masked.slice(restStart);
  for (const m of [...rest.matchAll(/\(\s*SELECT\b/gi)]) {
    if (rest[m.index] !== '(') continue; // inside a semi-join already taken
    const end = closing(rest, m.index, '(', ')');
    if (end < 0) continue;
    const inner = parseSoql(rest.slice(m.index + 1, end), base + restStart + m.index + 1);
    if (inner) result.semiJoins.push(inner);
    rest = rest.slice(0, m.index) + ' '.repeat(end + 1 - m.index) + rest.slice(end + 1);
  }
  for (const m of rest.matchAll(/[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g)) {
    if (!/__[cr]\b/i.test(m[0])) continue;
    let k = m.index - 1;
    while (k >= 0 && /\s/.test(rest[k]!)) k--;
    if (rest[k] === ':' || rest[k] === '.') continue; // an Apex bind expression
    result.fields.push({ path: stripAlias(m[0]), offset: base + restStart + m.index });
  }
  return result;
}

/** The SOQL queries in Apex: static `[SELECT …]` and string literals that hold a whole query. */
export function apexQueries(source: string): SoqlQuery[] {
  const { code, strings } = maskApex(source);
  const queries: SoqlQuery[] = [];
  for (const m of code.matchAll(/\[\s*SELECT\b/gi)) {
    const end = closing(code, m.index, '[', ']');
    if (end < 0) continue;
    // Parse the original text (string literals intact) so literals are seen; comments cannot occur in SOQL.
    const parsed = parseSoql(source.slice(m.index + 1, end), m.index + 1);
    if (parsed) queries.push(parsed);
  }
  for (const s of strings) {
    if (!/^\s*SELECT\b[\s\S]*\bFROM\s+\w/i.test(s.value)) continue;
    const parsed = parseSoql(s.value, s.start);
    if (parsed) queries.push(parsed);
  }
  return queries;
}

function soqlReferences(query: SoqlQuery, text: string, file: string, parent?: string): Reference[] {
  const refs: Reference[] = [];
  const add = (offset: number, ref: Ref) => refs.push(at(text, file, offset, true, ref));
  if (parent) add(query.fromOffset, { kind: 'childRelationship', object: parent, name: query.from });
  else add(query.fromOffset, { kind: 'object', name: query.from });
  for (const f of query.fields) {
    if (parent) add(f.offset, { kind: 'field', object: parent, relationship: query.from, name: f.path });
    else add(f.offset, { kind: 'field', object: query.from, name: f.path });
  }
  // SOQL allows one level of sub-queries in the select list.
  if (!parent) for (const child of query.children) refs.push(...soqlReferences(child, text, file, query.from));
  for (const semi of query.semiJoins) refs.push(...soqlReferences(semi, text, file));
  const setupObject = query.from.toLowerCase();
  for (const literal of query.literals) {
    if (!/^Slotwise_\w+$/.test(literal.value) || /__c$/i.test(literal.value)) continue;
    if (setupObject === 'permissionset') add(literal.offset, { kind: 'permissionSet', name: literal.value });
    if (setupObject === 'custompermission') add(literal.offset, { kind: 'customPermission', name: literal.value });
  }
  return refs;
}

const OBJECT_TOKEN = /\bSlotwise_\w*?__c\b/g;
const TYPED_VARIABLE = /\b(Slotwise_\w*?__c)\s+([A-Za-z_]\w*)\s*(?=[=;:,)])/g;

/** Fields, objects, custom permissions, named credentials and labels an Apex class names. */
export function apexReferences(source: string, file: string): Reference[] {
  const { code, strings } = maskApex(source);
  const refs: Reference[] = [];
  const add = (offset: number, ref: Ref) => refs.push(at(source, file, offset, true, ref));

  for (const query of apexQueries(source)) refs.push(...soqlReferences(query, source, file));

  // Object names anywhere in code, and in strings that are exactly an object name.
  for (const m of code.matchAll(OBJECT_TOKEN)) add(m.index, { kind: 'object', name: m[0] });
  for (const s of strings) if (/^Slotwise_\w*__c$/.test(s.value)) add(s.start, { kind: 'object', name: s.value });

  // SObjectField tokens: Slotwise_X__c.Field__c, Schema.SObjectType.Slotwise_X__c.fields.Field__c.
  for (const m of code.matchAll(/\b(Slotwise_\w*?__c)\s*\.\s*(?:fields\s*\.\s*)?([A-Za-z_]\w*)/g)) {
    if (/__c$/i.test(m[2]!)) add(m.index, { kind: 'field', object: m[1]!, name: m[2]! });
  }

  // new Slotwise_X__c(Field__c = …, …)
  for (const m of code.matchAll(/\bnew\s+(Slotwise_\w*?__c)\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    const end = closing(code, open, '(', ')');
    if (end < 0) continue;
    for (const { part, offset } of splitTopLevel(code.slice(open + 1, end))) {
      const assignment = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(part);
      if (assignment) add(open + 1 + offset, { kind: 'field', object: m[1]!, name: assignment[1]! });
    }
  }

  // variable.Field__c where the variable is declared with one Slotwise type in this file.
  const types = new Map<string, string | null>();
  for (const m of code.matchAll(TYPED_VARIABLE)) {
    const name = m[2]!.toLowerCase();
    const previous = types.get(name);
    types.set(name, previous === undefined || previous?.toLowerCase() === m[1]!.toLowerCase() ? m[1]! : null);
  }
  for (const m of code.matchAll(/\b([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)+)/g)) {
    const type = types.get(m[1]!.toLowerCase());
    if (!type) continue;
    const parts = m[2]!
      .split('.')
      .map((p) => p.trim())
      .filter(Boolean);
    const path: string[] = [];
    for (const part of parts) {
      path.push(part);
      if (!/__r$/i.test(part)) break;
    }
    const last = path[path.length - 1]!;
    const followedByCall = path.length === parts.length && /^\s*\(/.test(code.slice(m.index + m[0].length));
    if (!/__[cr]$/i.test(path[0]!) || followedByCall || /__r$/i.test(last)) continue;
    add(m.index, { kind: 'field', object: type, name: path.join('.') });
  }

  // Any other custom field name must at least exist on some object.
  for (const m of code.matchAll(/\b[A-Za-z]\w*__c\b/g)) {
    if (!/^Slotwise_/.test(m[0])) add(m.index, { kind: 'anyField', name: m[0] });
  }
  for (const s of strings)
    if (/^[A-Za-z]\w*__c$/.test(s.value) && !/^Slotwise_/.test(s.value))
      add(s.start, { kind: 'anyField', name: s.value });

  // Custom permissions: FeatureManagement.checkPermission('Name') or a String constant of this class.
  const constants = new Map<string, StringLiteral>();
  for (const m of code.matchAll(/\bString\s+([A-Za-z_]\w*)\s*=\s*'/g)) {
    const literal = strings.find((s) => s.start === m.index + m[0].length);
    if (literal) constants.set(m[1]!.toLowerCase(), literal);
  }
  for (const m of code.matchAll(/\bFeatureManagement\s*\.\s*checkPermission\s*\(\s*('|[A-Za-z_]\w*\s*\))/gi)) {
    const literal = m[1] === "'" ? strings.find((s) => s.start === m.index + m[0].length) : undefined;
    if (literal) add(literal.start, { kind: 'customPermission', name: literal.value });
  }
  if (/\bFeatureManagement\s*\.\s*checkPermission\s*\(\s*[A-Za-z_]/i.test(code)) {
    for (const [, literal] of constants) {
      if (/^Slotwise_[A-Za-z_]+$/.test(literal.value) && !/__c$/i.test(literal.value)) {
        add(literal.start, { kind: 'customPermission', name: literal.value });
      }
    }
  }

  // callout:Name/… and Label.Name / System.Label.Name
  for (const s of strings) {
    const callout = /^callout:([A-Za-z]\w*)/.exec(s.value);
    if (callout) add(s.start, { kind: 'namedCredential', name: callout[1]! });
  }
  for (const m of code.matchAll(/(?<![\w.])(?:System\s*\.\s*)?Label\s*\.\s*([A-Za-z]\w*)/g)) {
    add(m.index, { kind: 'label', name: m[1]! });
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------------------
// Lightning Web Components

/** Imports of @salesforce/schema, apex, label and customPermission, and custom names in code. */
export function lwcScriptReferences(source: string, file: string): Reference[] {
  const refs: Reference[] = [];
  const add = (offset: number, ref: Ref) => refs.push(at(source, file, offset, true, ref));
  for (const m of source.matchAll(/['"]@salesforce\/(schema|apex|label|customPermission)\/([^'"]+)['"]/g)) {
    const [, kind, target] = m as unknown as [string, string, string];
    const offset = m.index + 1;
    if (kind === 'schema') {
      const [object, ...path] = target.split('.');
      add(offset, { kind: 'object', name: object! });
      if (path.length > 0) add(offset, { kind: 'field', object: object!, name: path.join('.') });
    } else if (kind === 'apex') {
      const [cls, method] = target.split('.');
      add(offset, { kind: 'apexClass', name: cls! });
      if (method) add(offset, { kind: 'auraMethod', object: cls!, name: method });
    } else if (kind === 'label') {
      add(offset, { kind: 'label', name: target.replace(/^c\./, '') });
    } else {
      add(offset, { kind: 'customPermission', name: target });
    }
  }
  const withoutImports = source.replace(/['"]@salesforce\/[^'"]*['"]/g, (s) => ' '.repeat(s.length));
  const withoutComments = withoutImports.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (s) => s.replace(/[^\n]/g, ' '));
  // 'Slotwise_X__c.Field__c' strings (getRecord field lists) and bare names.
  for (const m of withoutComments.matchAll(
    /['"`](Slotwise_\w*?__c|Contact|Lead|Account|User)\.([A-Za-z_][\w.]*)['"`]/g,
  )) {
    add(m.index + 1, { kind: 'field', object: m[1]!, name: m[2]! });
  }
  for (const m of withoutComments.matchAll(/\bSlotwise_\w*?__c\b/g)) add(m.index, { kind: 'object', name: m[0] });
  for (const m of withoutComments.matchAll(/\b[A-Za-z]\w*__c\b/g)) {
    if (!/^Slotwise_/.test(m[0])) add(m.index, { kind: 'anyField', name: m[0] });
  }
  return refs;
}

export function lwcTemplateReferences(source: string, file: string): Reference[] {
  const refs: Reference[] = [];
  const withoutComments = source.replace(/<!--[\s\S]*?-->/g, (s) => s.replace(/[^\n]/g, ' '));
  for (const m of withoutComments.matchAll(/\bSlotwise_\w*?__c\b/g))
    refs.push(at(source, file, m.index, true, { kind: 'object', name: m[0] }));
  for (const m of withoutComments.matchAll(/\b[A-Za-z]\w*__c\b/g)) {
    if (!/^Slotwise_/.test(m[0])) refs.push(at(source, file, m.index, true, { kind: 'anyField', name: m[0] }));
  }
  return refs;
}
