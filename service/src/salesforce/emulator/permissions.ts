// What the integration user may do: the permission set file, applied as an org applies it.
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import type { FieldDef, ObjectDef } from './schema.ts';

interface ObjectAccess {
  read: boolean;
  create: boolean;
  edit: boolean;
  delete: boolean;
  viewAll: boolean;
  modifyAll: boolean;
}

interface FieldAccess {
  readable: boolean;
  editable: boolean;
}

/** Standard objects every user can read without an object permission. */
const ALWAYS_READABLE = new Set(['user', 'organization']);

export class PermissionSet {
  readonly #objects = new Map<string, ObjectAccess>();
  readonly #fields = new Map<string, FieldAccess>();

  constructor(xmlText: string) {
    const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
    const root = (parser.parse(xmlText) as { PermissionSet?: Record<string, unknown> }).PermissionSet ?? {};
    const asList = (value: unknown) =>
      (value === undefined ? [] : Array.isArray(value) ? value : [value]) as Record<string, string>[];
    for (const entry of asList(root.objectPermissions)) {
      this.#objects.set(entry.object!.toLowerCase(), {
        read: entry.allowRead === 'true',
        create: entry.allowCreate === 'true',
        edit: entry.allowEdit === 'true',
        delete: entry.allowDelete === 'true',
        viewAll: entry.viewAllRecords === 'true',
        modifyAll: entry.modifyAllRecords === 'true',
      });
    }
    for (const entry of asList(root.fieldPermissions)) {
      this.#fields.set(entry.field!.toLowerCase(), {
        readable: entry.readable === 'true',
        editable: entry.editable === 'true',
      });
    }
  }

  static fromFile(path: string): PermissionSet {
    return new PermissionSet(readFileSync(path, 'utf8'));
  }

  canRead(object: ObjectDef): boolean {
    return (
      ALWAYS_READABLE.has(object.name.toLowerCase()) || (this.#objects.get(object.name.toLowerCase())?.read ?? false)
    );
  }
  canCreate(object: ObjectDef): boolean {
    return this.#objects.get(object.name.toLowerCase())?.create ?? false;
  }
  canEdit(object: ObjectDef): boolean {
    return this.#objects.get(object.name.toLowerCase())?.edit ?? false;
  }
  canDelete(object: ObjectDef): boolean {
    return this.#objects.get(object.name.toLowerCase())?.delete ?? false;
  }

  /**
   * Field-level security. Required, master-detail, name, owner and system fields cannot be listed in
   * a permission set: they are visible whenever the object is.
   */
  canReadField(object: ObjectDef, field: FieldDef): boolean {
    if (!this.canRead(object)) return false;
    if (ALWAYS_READABLE.has(object.name.toLowerCase())) return true;
    if (outsideFieldSecurity(field)) return true;
    return this.#fields.get(`${object.name}.${field.name}`.toLowerCase())?.readable ?? false;
  }

  /** Whether a create or update may set the field (the object-level check is separate). */
  canEditField(object: ObjectDef, field: FieldDef): boolean {
    if (field.system) return false;
    if (outsideFieldSecurity(field)) return this.canRead(object);
    return this.#fields.get(`${object.name}.${field.name}`.toLowerCase())?.editable ?? false;
  }
}

function outsideFieldSecurity(field: FieldDef): boolean {
  return field.system || field.required || field.masterDetail || field.alwaysAccessible;
}
