// Permission sets as data, and the field-permission rules Salesforce enforces on deploy.
import { basename, join } from 'node:path';
import { displayPath, listFiles, readText, type Problem } from './files.ts';
import { findObject, lineOf, type Schema } from './schema.ts';
import { children, parseMetadata, text } from './xml.ts';

export type ObjectAccess = {
  create: boolean;
  read: boolean;
  edit: boolean;
  delete: boolean;
  viewAll: boolean;
  modifyAll: boolean;
};

export type PermissionSetInfo = {
  name: string;
  file: string;
  source: string;
  objects: Map<string, ObjectAccess>;
  fields: Map<string, { readable: boolean; editable: boolean }>;
  customPermissions: string[];
  classes: string[];
  tabs: Map<string, string>;
  applications: string[];
  principals: string[];
  userPermissions: string[];
};

const yes = (value: string | undefined) => value === 'true';

export function readPermissionSet(path: string, root: string): PermissionSetInfo {
  const source = readText(path);
  const node = parseMetadata(source);
  const enabled = (block: string, key: string) =>
    children(node, block)
      .filter((c) => yes(text(c, 'enabled')) || yes(text(c, 'visible')))
      .map((c) => text(c, key) ?? '');
  return {
    name: basename(path).replace(/\.permissionset-meta\.xml$/, ''),
    file: displayPath(path, root),
    source,
    objects: new Map(
      children(node, 'objectPermissions').map((o) => [
        text(o, 'object') ?? '',
        {
          create: yes(text(o, 'allowCreate')),
          read: yes(text(o, 'allowRead')),
          edit: yes(text(o, 'allowEdit')),
          delete: yes(text(o, 'allowDelete')),
          viewAll: yes(text(o, 'viewAllRecords')),
          modifyAll: yes(text(o, 'modifyAllRecords')),
        },
      ]),
    ),
    fields: new Map(
      children(node, 'fieldPermissions').map((f) => [
        text(f, 'field') ?? '',
        { readable: yes(text(f, 'readable')), editable: yes(text(f, 'editable')) },
      ]),
    ),
    customPermissions: enabled('customPermissions', 'name'),
    classes: enabled('classAccesses', 'apexClass'),
    tabs: new Map(children(node, 'tabSettings').map((t) => [text(t, 'tab') ?? '', text(t, 'visibility') ?? ''])),
    applications: enabled('applicationVisibilities', 'application'),
    principals: enabled('externalCredentialPrincipalAccesses', 'externalCredentialPrincipal'),
    userPermissions: children(node, 'userPermissions')
      .filter((u) => yes(text(u, 'enabled')))
      .map((u) => text(u, 'name') ?? ''),
  };
}

export function readPermissionSets(source: string, root: string): PermissionSetInfo[] {
  return listFiles(join(source, 'permissionsets'), (p) => p.endsWith('.permissionset-meta.xml')).map((p) =>
    readPermissionSet(p, root),
  );
}

/**
 * What Salesforce and this package require of field permissions:
 * - required and master-detail fields must not be listed (the deploy fails);
 * - editable implies readable, and needs edit or create on the object; readable needs read on the object;
 * - every other custom field of an object the set can read must be listed (an unlisted field is silently
 *   invisible, which breaks USER_MODE queries in Apex and the service).
 */
export function fieldPermissionProblems(ps: PermissionSetInfo, schema: Schema): Problem[] {
  const problems: Problem[] = [];
  const problem = (needle: string, message: string) =>
    problems.push({ file: ps.file, line: lineOf(ps.source, needle), message });
  for (const [name, access] of ps.fields) {
    const [objectName = '', fieldName = ''] = name.split('.');
    const object = findObject(schema, objectName);
    const field = object?.fields.get(fieldName);
    const objectAccess = ps.objects.get(objectName);
    if (field?.required) {
      problem(
        `<field>${name}</field>`,
        `${name} is required or master-detail: Salesforce rejects it in fieldPermissions`,
      );
    }
    if (access.editable && !access.readable) problem(`<field>${name}</field>`, `${name} is editable but not readable`);
    if (access.readable && !objectAccess?.read) {
      problem(`<field>${name}</field>`, `${name} is readable but the set cannot read ${objectName}`);
    }
    if (access.editable && !(objectAccess?.edit || objectAccess?.create)) {
      problem(`<field>${name}</field>`, `${name} is editable but the set can neither create nor edit ${objectName}`);
    }
  }
  for (const [objectName, access] of ps.objects) {
    const object = findObject(schema, objectName);
    if (!access.read || !object?.custom) continue;
    for (const field of object.fields.values()) {
      if (!field.file || field.required) continue;
      if (!ps.fields.has(`${objectName}.${field.name}`)) {
        problem(`<object>${objectName}</object>`, `${objectName}.${field.name} is not in fieldPermissions`);
      }
    }
  }
  return problems;
}
