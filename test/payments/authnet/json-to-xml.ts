/**
 * Authorize.Net's JSON API mirrors its XML schema: `{ createTransactionRequest: {...} }` is the
 * XML document with that root element, each key an element in the same order, an array a
 * repeated element. This turns a JSON request into that XML so the XSD can judge it.
 */
export const ANET_NAMESPACE = 'AnetApi/xml/v1/schema/AnetApiSchema.xsd';

export function anetJsonToXml(request: Record<string, unknown>): string {
  const entries = Object.entries(request);
  if (entries.length !== 1) throw new Error('a request has exactly one root element');
  const [root, content] = entries[0]!;
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root} xmlns="${ANET_NAMESPACE}">${children(content)}</${root}>`;
}

function children(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return escape(String(value));
  return Object.entries(value)
    .map(([name, child]) => (Array.isArray(child) ? child : [child]).map((item) => element(name, item)).join(''))
    .join('');
}

function element(name: string, value: unknown): string {
  return `<${name}>${children(value)}</${name}>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
