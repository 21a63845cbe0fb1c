// Every `@salesforce/label/c.*` import in the Slotwise components must exist in
// labels/CustomLabels.labels-meta.xml (a missing label fails the deploy), and every Slotwise label
// there should be used.
const fs = require('fs');
const path = require('path');

const LWC_DIR = path.resolve(__dirname, '../..');
const LABELS_FILE = path.resolve(LWC_DIR, '../labels/CustomLabels.labels-meta.xml');

function componentSources() {
  return fs
    .readdirSync(LWC_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = path.join(LWC_DIR, entry.name);
      return fs
        .readdirSync(dir)
        .filter((file) => file.endsWith('.js'))
        .map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
    });
}

const importedLabels = new Set(
  componentSources().flatMap((source) =>
    [...source.matchAll(/@salesforce\/label\/c\.(\w+)/g)].map((match) => match[1]),
  ),
);
const labelsXml = fs.readFileSync(LABELS_FILE, 'utf8');
const definedLabels = [...labelsXml.matchAll(/<fullName>(\w+)<\/fullName>/g)].map((match) => match[1]);

describe('custom labels', () => {
  it('defines every label the components import', () => {
    expect(importedLabels.size).toBeGreaterThan(100);
    const missing = [...importedLabels].filter((name) => !definedLabels.includes(name));
    expect(missing).toEqual([]);
  });

  it('has no unused, duplicate or non-Slotwise labels', () => {
    expect(definedLabels.filter((name) => !importedLabels.has(name))).toEqual([]);
    expect(new Set(definedLabels).size).toBe(definedLabels.length);
    expect(definedLabels.filter((name) => !name.startsWith('Slotwise_'))).toEqual([]);
  });

  it('gives every label a value', () => {
    const values = [...labelsXml.matchAll(/<value>([^<]*)<\/value>/g)].map((match) => match[1].trim());
    expect(values).toHaveLength(definedLabels.length);
    expect(values.filter((value) => !value)).toEqual([]);
  });
});
