// XML well-formedness and parsing for Salesforce metadata files.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { displayPath, readText, type Problem } from './files.ts';

/** A problem for every file that is not well-formed XML, at the line the parser stopped. */
export function xmlProblems(files: readonly string[], base: string): Problem[] {
  const problems: Problem[] = [];
  for (const file of files) {
    const result = XMLValidator.validate(readText(file));
    if (result !== true) {
      problems.push({
        file: displayPath(file, base),
        line: result.err.line,
        message: `not well-formed XML: ${result.err.msg} (${result.err.code}, column ${result.err.col})`,
      });
    }
  }
  return problems;
}

export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** The root element's content (e.g. the CustomField element of a field file); every leaf is a string. */
export function parseMetadata(text: string): XmlNode {
  const parsed = parser.parse(text) as XmlNode;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === '?xml') continue;
    return typeof value === 'object' && !Array.isArray(value) ? value : {};
  }
  return {};
}

/** A repeated element as a list, whether it appeared once, several times or not at all. */
export function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (typeof item === 'object' && !Array.isArray(item) ? item : { '#text': item as string }));
}

/** The text of a child element, or undefined. */
export function text(node: XmlNode, name: string): string | undefined {
  const value = node[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** The texts of a repeated child element. */
export function texts(node: XmlNode, name: string): string[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}
