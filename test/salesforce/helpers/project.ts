// The package as a whole: what force-app defines (schema, classes, components, tabs, credentials, ...),
// everything it refers to, and the problems where the two do not meet.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { displayPath, listDirs, listFiles, readText, type Problem } from './files.ts';
import {
  apexReferences,
  applicationReferences,
  flexiPageReferences,
  lwcScriptReferences,
  lwcTemplateReferences,
  maskApex,
  namedCredentialReferences,
  objectMetadataReferences,
  permissionSetReferences,
  tabReferences,
  type Reference,
} from './references.ts';
import {
  findChildRelationship,
  findObject,
  isCheckedObject,
  loadSchema,
  resolveFieldPath,
  type Schema,
} from './schema.ts';
import { children, parseMetadata, text } from './xml.ts';

export type ApexClass = { name: string; file: string; source: string };

export type Project = {
  /** Project root: paths in problems are relative to it. */
  root: string;
  /** force-app/main/default */
  source: string;
  schema: Schema;
  classes: Map<string, ApexClass>;
  lwcs: Set<string>;
  tabs: Set<string>;
  applications: Set<string>;
  flexipages: Set<string>;
  customPermissions: Set<string>;
  permissionSets: Set<string>;
  externalCredentials: Set<string>;
  /** `Credential-Principal`, as permission sets name them. */
  externalCredentialPrincipals: Set<string>;
  namedCredentials: Set<string>;
  labels: Set<string>;
};

const names = (dir: string, suffix: string): Set<string> =>
  new Set(listFiles(dir, (p) => p.endsWith(suffix)).map((p) => basename(p).slice(0, -suffix.length)));

export function loadProject(root: string, packageDir = join('force-app', 'main', 'default')): Project {
  const source = join(root, packageDir);
  const classes = new Map<string, ApexClass>();
  for (const file of listFiles(join(source, 'classes'), (p) => p.endsWith('.cls'))) {
    const name = basename(file, '.cls');
    classes.set(name.toLowerCase(), { name, file: displayPath(file, root), source: readText(file) });
  }
  const principals = new Set<string>();
  for (const file of listFiles(join(source, 'externalCredentials'), (p) =>
    p.endsWith('.externalCredential-meta.xml'),
  )) {
    const credential = basename(file).replace(/\.externalCredential-meta\.xml$/, '');
    for (const parameter of children(parseMetadata(readText(file)), 'externalCredentialParameters')) {
      const type = text(parameter, 'parameterType');
      if (type === 'NamedPrincipal' || type === 'PerUserPrincipal') {
        principals.add(`${credential}-${text(parameter, 'parameterName') ?? ''}`);
      }
    }
  }
  const labels = new Set<string>();
  for (const file of listFiles(join(source, 'labels'), (p) => p.endsWith('.labels-meta.xml'))) {
    for (const label of children(parseMetadata(readText(file)), 'labels')) {
      const name = text(label, 'fullName');
      if (name) labels.add(name);
    }
  }
  return {
    root,
    source,
    schema: loadSchema(source, root),
    classes,
    lwcs: new Set(listDirs(join(source, 'lwc')).filter((d) => !d.startsWith('.') && !d.startsWith('__'))),
    tabs: names(join(source, 'tabs'), '.tab-meta.xml'),
    applications: names(join(source, 'applications'), '.app-meta.xml'),
    flexipages: names(join(source, 'flexipages'), '.flexipage-meta.xml'),
    customPermissions: names(join(source, 'customPermissions'), '.customPermission-meta.xml'),
    permissionSets: names(join(source, 'permissionsets'), '.permissionset-meta.xml'),
    externalCredentials: names(join(source, 'externalCredentials'), '.externalCredential-meta.xml'),
    externalCredentialPrincipals: principals,
    namedCredentials: names(join(source, 'namedCredentials'), '.namedCredential-meta.xml'),
    labels,
  };
}

/** Every reference in the package: metadata files, Apex and Lightning web components (not their tests). */
export function collectReferences(project: Project): Reference[] {
  const { root, source } = project;
  const refs: Reference[] = [];
  const each = (dir: string, suffix: string, extract: (text: string, file: string, path: string) => Reference[]) => {
    for (const path of listFiles(join(source, dir), (p) => p.endsWith(suffix) && !p.includes('__tests__'))) {
      refs.push(...extract(readText(path), displayPath(path, root), path));
    }
  };
  each('permissionsets', '.permissionset-meta.xml', permissionSetReferences);
  each('flexipages', '.flexipage-meta.xml', flexiPageReferences);
  each('tabs', '.tab-meta.xml', (text, file, path) =>
    tabReferences(text, file, basename(path).replace(/\.tab-meta\.xml$/, '')),
  );
  each('applications', '.app-meta.xml', applicationReferences);
  each('namedCredentials', '.namedCredential-meta.xml', namedCredentialReferences);
  for (const object of listDirs(join(source, 'objects'))) {
    each(join('objects', object), '-meta.xml', (text, file) => objectMetadataReferences(text, file, object));
  }
  each('classes', '.cls', apexReferences);
  each('triggers', '.trigger', apexReferences);
  each('lwc', '.js', lwcScriptReferences);
  each('lwc', '.html', lwcTemplateReferences);
  return refs;
}

function has(set: Iterable<string>, name: string, caseInsensitive: boolean): boolean {
  for (const item of set)
    if (item === name || (caseInsensitive && item.toLowerCase() === name.toLowerCase())) return true;
  return false;
}

/** Whether the class declares an @AuraEnabled static method of that name. */
export function hasAuraMethod(apexSource: string, method: string): boolean {
  const { code } = maskApex(apexSource);
  const escaped = method.replace(/[^\w]/g, '');
  const pattern = new RegExp(
    String.raw`@AuraEnabled\b(?:\s*\([^)]*\))?(?:\s*@\w+(?:\s*\([^)]*\))?)*\s+(?:(?:public|global|static|override|virtual)\s+)*static\s+[\w<>\[\],.\s]*?\b${escaped}\s*\(`,
    'i',
  );
  return pattern.test(code);
}

const KIND_WORDS: Record<Reference['kind'], string> = {
  object: 'object',
  field: 'field',
  anyField: 'field',
  childRelationship: 'child relationship',
  apexClass: 'Apex class',
  auraMethod: 'Apex method',
  lwc: 'Lightning web component',
  tab: 'tab',
  application: 'app',
  flexipage: 'Lightning page',
  customPermission: 'custom permission',
  permissionSet: 'permission set',
  externalCredential: 'external credential',
  externalCredentialPrincipal: 'external credential principal',
  namedCredential: 'named credential',
  label: 'custom label',
};

/** The kinds of reference that name a component of the package, and the project's set of those names. */
const NAMES_BY_KIND = {
  lwc: 'lwcs',
  tab: 'tabs',
  application: 'applications',
  flexipage: 'flexipages',
  customPermission: 'customPermissions',
  permissionSet: 'permissionSets',
  externalCredential: 'externalCredentials',
  externalCredentialPrincipal: 'externalCredentialPrincipals',
  namedCredential: 'namedCredentials',
  label: 'labels',
} as const satisfies Partial<Record<Reference['kind'], keyof Project>>;

/** Why a reference does not resolve, or undefined when it does. */
export function resolve(project: Project, ref: Reference): string | undefined {
  const { schema } = project;
  const ci = ref.caseInsensitive;
  const missing = `${KIND_WORDS[ref.kind]} ${ref.object ? `${ref.object}.` : ''}${ref.name} does not exist`;
  switch (ref.kind) {
    case 'object':
      return !isCheckedObject(ref.name) || findObject(schema, ref.name, ci) ? undefined : missing;
    case 'field': {
      const objectName = ref.object ?? '';
      if (!ref.relationship) return resolveFieldPath(schema, objectName, ref.name, ci, ref.strict);
      const parent = findObject(schema, objectName, ci);
      if (!parent || !/__r$/i.test(ref.relationship)) return undefined;
      const child = findChildRelationship(parent, ref.relationship, ci);
      // An unknown relationship is reported once, by its childRelationship reference.
      return child ? resolveFieldPath(schema, child, ref.name, ci, ref.strict) : undefined;
    }
    case 'anyField':
      for (const object of schema.values()) {
        for (const field of object.fields.keys()) {
          if (field === ref.name || (ci && field.toLowerCase() === ref.name.toLowerCase())) return undefined;
        }
      }
      return `field ${ref.name} does not exist on any object`;
    case 'childRelationship': {
      const parent = findObject(schema, ref.object ?? '', ci);
      if (!parent || !/__r$/i.test(ref.name)) return undefined;
      return findChildRelationship(parent, ref.name, ci) ? undefined : missing;
    }
    case 'apexClass':
      return project.classes.has(ref.name.toLowerCase()) ? undefined : missing;
    case 'auraMethod': {
      const cls = project.classes.get((ref.object ?? '').toLowerCase());
      if (!cls) return undefined; // reported by the apexClass reference
      return hasAuraMethod(cls.source, ref.name) ? undefined : `${missing} (as an @AuraEnabled static method)`;
    }
    case 'lwc':
    case 'tab':
    case 'application':
    case 'flexipage':
    case 'customPermission':
    case 'permissionSet':
    case 'externalCredential':
    case 'externalCredentialPrincipal':
    case 'namedCredential':
    case 'label':
      return has(project[NAMES_BY_KIND[ref.kind]], ref.name, ci) ? undefined : missing;
  }
}

/** One problem per reference that does not resolve (duplicates on the same line collapsed). */
export function referenceProblems(project: Project, refs: Reference[] = collectReferences(project)): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const ref of refs) {
    const why = resolve(project, ref);
    if (!why) continue;
    const key = `${ref.file}:${ref.line}:${why}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file: ref.file, line: ref.line, message: why });
  }
  return problems;
}

/** Apex classes and triggers with their -meta.xml (and no orphan -meta.xml); LWC bundles with <name>.js and <name>.js-meta.xml. */
export function bundleProblems(project: Project): Problem[] {
  const { root, source } = project;
  const problems: Problem[] = [];
  for (const [dir, suffix] of [
    ['classes', '.cls'],
    ['triggers', '.trigger'],
  ] as const) {
    for (const file of listFiles(join(source, dir), (p) => p.endsWith(suffix))) {
      if (!existsSync(`${file}-meta.xml`)) {
        problems.push({ file: displayPath(file, root), line: 1, message: `has no ${basename(file)}-meta.xml` });
      }
    }
    for (const meta of listFiles(join(source, dir), (p) => p.endsWith(`${suffix}-meta.xml`))) {
      const code = meta.slice(0, -'-meta.xml'.length);
      if (!existsSync(code))
        problems.push({ file: displayPath(meta, root), line: 1, message: `has no ${basename(code)}` });
    }
  }
  const lwcDir = join(source, 'lwc');
  for (const name of listDirs(lwcDir)) {
    if (name.startsWith('.') || name.startsWith('__')) continue;
    for (const required of [`${name}.js`, `${name}.js-meta.xml`]) {
      if (!existsSync(join(lwcDir, name, required))) {
        problems.push({
          file: displayPath(join(lwcDir, name), root),
          line: 1,
          message: `LWC bundle has no ${required}`,
        });
      }
    }
  }
  return problems;
}

const PAGE_TARGETS: Record<string, string> = {
  AppPage: 'lightning__AppPage',
  RecordPage: 'lightning__RecordPage',
  HomePage: 'lightning__HomePage',
};

/**
 * Custom components on a Lightning page must be exposed for that kind of page (and, on a record page, for
 * its object when the component lists objects); otherwise the page does not deploy.
 */
export function flexiPageTargetProblems(project: Project): Problem[] {
  const { root, source } = project;
  const problems: Problem[] = [];
  for (const path of listFiles(join(source, 'flexipages'), (p) => p.endsWith('.flexipage-meta.xml'))) {
    const pageText = readText(path);
    const page = parseMetadata(pageText);
    const target = PAGE_TARGETS[text(page, 'type') ?? ''];
    const sobject = text(page, 'sobjectType');
    if (!target) continue;
    for (const ref of flexiPageReferences(pageText, displayPath(path, root))) {
      if (ref.kind !== 'lwc') continue;
      const metaPath = join(source, 'lwc', ref.name, `${ref.name}.js-meta.xml`);
      if (!existsSync(metaPath)) continue; // reported as a missing component
      const meta = readText(metaPath);
      const problem = (message: string) => problems.push({ file: ref.file, line: ref.line, message });
      if (!/<isExposed>\s*true\s*<\/isExposed>/.test(meta)) problem(`${ref.name} is not exposed (isExposed)`);
      const targets = [...meta.matchAll(/<target>\s*([^<\s]+)\s*<\/target>/g)].map((m) => m[1]);
      if (!targets.includes(target)) problem(`${ref.name} does not target ${target}`);
      if (target !== 'lightning__RecordPage' || !sobject) continue;
      for (const config of meta.matchAll(/<targetConfig\s+targets="([^"]*)"[^>]*>([\s\S]*?)<\/targetConfig>/g)) {
        if (
          !config[1]!
            .split(',')
            .map((t) => t.trim())
            .includes(target)
        )
          continue;
        const objects = [...config[2]!.matchAll(/<object>\s*([^<\s]+)\s*<\/object>/g)].map((m) => m[1]);
        if (objects.length > 0 && !objects.includes(sobject))
          problem(`${ref.name} is not available on ${sobject} record pages`);
      }
    }
  }
  return problems;
}
