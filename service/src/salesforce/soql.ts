// SOQL built safely: every interpolated value becomes a literal, quoted and escaped the way
// Salesforce's SOQL parser reads it, so no value can end the literal and add a condition.

/** A value `soql` can turn into a literal. */
export type SoqlValue = string | number | boolean | null | Date | readonly (string | number | boolean | Date)[];

/** A piece of SOQL that is already safe (an identifier checked by `soqlIdentifier`): inserted as is. */
export class SoqlFragment {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** Salesforce's escape sequences in a SOQL string literal (SOQL and SOSL reference, "Quoted String Escape Sequences"). */
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** The SOQL string literal for `value`, quotes included. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (char) => ESCAPES[char]!)}'`;
}

/** The literal for one value; throws for anything that has no safe literal form. */
export function soqlLiteral(value: unknown): string {
  if (value instanceof SoqlFragment) return value.text;
  if (value === null) return 'NULL';
  if (typeof value === 'string') return soqlString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('soql: a number must be finite');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('soql: invalid Date');
    // A dateTime literal is not quoted: YYYY-MM-DDThh:mm:ss.sssZ, always UTC.
    return value.toISOString();
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw new TypeError('soql: an IN list must not be empty');
    return `(${value
      .map((item: unknown) => {
        if (Array.isArray(item) || item instanceof SoqlFragment)
          throw new TypeError('soql: IN lists hold plain values');
        return soqlLiteral(item);
      })
      .join(',')})`;
  }
  throw new TypeError(`soql: cannot interpolate a value of type ${typeof value}`);
}

/**
 * Tagged template for SOQL: `soql\`SELECT Id FROM Contact WHERE Email = ${email}\`` quotes and
 * escapes every interpolated value as a literal (strings, finite numbers, booleans, null → NULL,
 * Date → dateTime literal, arrays → `('a','b')` for IN). Field and object names go through
 * `soqlIdentifier`, whose result is inserted unquoted.
 */
export function soql(strings: TemplateStringsArray, ...values: readonly (SoqlValue | SoqlFragment)[]): string {
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += soqlLiteral(value) + strings[index + 1]!;
  });
  return text;
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*(__[crs])?$/;
/** A relationship name in a path: Owner, or a custom relationship ending in __r. */
const RELATIONSHIP_NAME = /^[A-Za-z][A-Za-z0-9_]*(__r)?$/;

/**
 * A field or object API name (`Name`, `Slotwise_Start__c`) or a relationship path
 * (`Owner.Name`, `Slotwise_Resource__r.Name`), checked and returned as a fragment `soql` inserts
 * unquoted. Throws for anything else, so a caller-chosen name cannot smuggle SOQL in.
 */
export function soqlIdentifier(name: string): SoqlFragment {
  const parts = name.split('.');
  const valid =
    name.length <= 255 &&
    parts.every(
      (part, index) => (index < parts.length - 1 ? RELATIONSHIP_NAME : API_NAME).test(part) && !part.endsWith('_'),
    );
  if (!valid) throw new TypeError(`soql: not a Salesforce API name: ${JSON.stringify(name)}`);
  return new SoqlFragment(name);
}
