/**
 * A focused checker for form-encoded requests against an OpenAPI `application/x-www-form-urlencoded`
 * schema (the shapes Twilio's spec uses: flat properties of string, integer, number, boolean or
 * array type, with enums behind `$ref`, patterns, lengths and formats). Form values are text, so
 * each is parsed as its declared type.
 */
export interface PropertySchema {
  type?: string;
  format?: string;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  items?: PropertySchema;
  $ref?: string;
}

export interface FormSchema {
  properties: Record<string, PropertySchema>;
  required?: string[];
}

type Spec = { components: { schemas: Record<string, PropertySchema> } };

export function formSchemaOf(spec: unknown, path: string, method: string): FormSchema {
  const operation = (spec as { paths: Record<string, Record<string, unknown>> }).paths[path]?.[method] as
    { requestBody?: { content?: Record<string, { schema?: FormSchema }> } } | undefined;
  const schema = operation?.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
  if (!schema) throw new Error(`no form request body for ${method.toUpperCase()} ${path} in the spec`);
  return schema;
}

/** Every way `params` breaks `schema`; empty when it conforms. */
export function checkForm(spec: unknown, schema: FormSchema, params: [string, string][]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  for (const name of schema.required ?? []) {
    if (!byName.has(name)) problems.push(`${name}: required but missing`);
  }
  for (const [name, values] of byName) {
    const property = schema.properties[name];
    if (!property) {
      problems.push(`${name}: not a field of this request`);
      continue;
    }
    const resolved = resolve(spec as Spec, property);
    if (resolved.type !== 'array' && values.length > 1) problems.push(`${name}: sent ${values.length} times`);
    const itemSchema = resolved.type === 'array' ? resolve(spec as Spec, resolved.items ?? {}) : resolved;
    for (const value of values) problems.push(...checkValue(name, itemSchema, value));
  }
  return problems;
}

function resolve(spec: Spec, schema: PropertySchema): PropertySchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = spec.components.schemas[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return target;
}

function checkValue(name: string, schema: PropertySchema, value: string): string[] {
  const problems: string[] = [];
  const fail = (why: string) => problems.push(`${name}: ${JSON.stringify(value)} ${why}`);
  switch (schema.type) {
    case 'integer':
      if (!/^-?\d+$/.test(value)) fail('is not an integer');
      break;
    case 'number':
      if (value.trim() === '' || Number.isNaN(Number(value))) fail('is not a number');
      break;
    case 'boolean':
      if (value !== 'true' && value !== 'false') fail('is not a boolean');
      break;
    case 'string':
      if (schema.enum && !schema.enum.includes(value)) fail(`is not one of ${schema.enum.join(', ')}`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) fail(`does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && value.length < schema.minLength) fail('is too short');
      if (schema.maxLength !== undefined && value.length > schema.maxLength) fail('is too long');
      if (schema.format === 'uri' && !URL.canParse(value)) fail('is not a URI');
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) fail('is not a date-time');
      // E.164, or a channel address such as whatsapp:+15552229999.
      if (schema.format === 'phone-number' && !/^([a-z]+:)?\+[1-9]\d{1,14}$/.test(value)) fail('is not a phone number');
      break;
    default:
      fail(`has a type the checker does not know (${String(schema.type)})`);
  }
  return problems;
}
