// Offline checks of the Salesforce package (force-app) and its demo data: well-formed XML, complete
// bundles, references that resolve, a clean source-to-metadata conversion, the data model and permission
// sets the contract in docs/salesforce-package.md describes, and tests that each check can fail.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { convertToMetadata } from './helpers/convert.ts';
import { demoDataProblems } from './helpers/demo-data.ts';
import { docModelProblems, fieldDocumentationProblems, parseDocModel, parseDocType } from './helpers/doc.ts';
import { formatProblem, lineAt, listFiles, readText, type Problem } from './helpers/files.ts';
import { fieldPermissionProblems, readPermissionSet, readPermissionSets } from './helpers/permission-sets.ts';
import {
  bundleProblems,
  collectReferences,
  flexiPageTargetProblems,
  hasAuraMethod,
  loadProject,
  referenceProblems,
} from './helpers/project.ts';
import { apexReferences, lwcScriptReferences, maskApex, parseSoql } from './helpers/references.ts';
import { loadSchema, resolveFieldPath } from './helpers/schema.ts';
import { children, parseMetadata, text, texts } from './helpers/xml.ts';
import { xmlProblems } from './helpers/xml.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = join(ROOT, 'force-app', 'main', 'default');
const DOC = 'docs/salesforce-package.md';
const PLAN = join(ROOT, 'config', 'demo-data', 'plan.json');

const CONFIG_OBJECTS = [
  'Slotwise_Appointment_Type__c',
  'Slotwise_Resource__c',
  'Slotwise_Resource_Type__c',
  'Slotwise_Availability_Rule__c',
  'Slotwise_Availability_Exception__c',
  'Slotwise_Reminder_Rule__c',
  'Slotwise_Booking_Page__c',
];
const APPOINTMENT = 'Slotwise_Appointment__c';
const SMS = 'Slotwise_SMS_Message__c';
const CREDIT_PURCHASE = 'Slotwise_Credit_Purchase__c';
const ALL_OBJECTS = [...CONFIG_OBJECTS, APPOINTMENT, SMS, CREDIT_PURCHASE];
const CUSTOM_PERMISSIONS = [
  'Slotwise_Buy_Credits',
  'Slotwise_Manage_Settings',
  'Slotwise_Send_SMS',
  'Slotwise_View_Audit',
];
const CONTROLLERS = [
  'SlotwiseAgendaController',
  'SlotwiseBookController',
  'SlotwiseSetupController',
  'SlotwiseSmsController',
];
const PRINCIPAL = 'Slotwise_Service-OrgApiKey';
/** The Slotwise app's tabs, in order. */
const APP_TABS = [
  'Slotwise_Setup',
  'Slotwise_Agenda',
  APPOINTMENT,
  'Slotwise_Appointment_Type__c',
  'Slotwise_Resource__c',
  SMS,
];

const show = (problems: Problem[]) => problems.map(formatProblem);

// The checks of the checks compare a broken copy with the package as it is, so they only see what they broke.
let baseline: Set<string> | undefined;
function introduced(problems: Problem[], current: () => Problem[]): string[] {
  baseline ??= new Set(show(current()));
  return show(problems).filter((p) => !baseline!.has(p));
}
const introducedReferenceProblems = (root: string) =>
  introduced(referenceProblems(loadProject(root)), () => referenceProblems(loadProject(ROOT)));
const xmlUnder = (dir: string) => listFiles(dir, (p) => p.endsWith('.xml'));

/** A throwaway copy of the project (force-app, config, docs) for breaking things on purpose. */
function copyProject(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'slotwise-metadata-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ['force-app', 'config', 'docs']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
  return root;
}

function edit(path: string, change: (text: string) => string): void {
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`edit of ${path} changed nothing`);
  writeFileSync(path, after);
}

// ---------------------------------------------------------------------------------------------------------
// The package as it is

t.test('every XML file in force-app and config is well-formed', async (t) => {
  const files = [...xmlUnder(join(ROOT, 'force-app')), ...xmlUnder(join(ROOT, 'config'))];
  t.ok(files.length > 100, `found ${files.length} XML files`);
  t.same(show(xmlProblems(files, ROOT)), []);
});

t.test('every Apex class has its -meta.xml and every LWC bundle its .js and .js-meta.xml', async (t) => {
  t.same(show(bundleProblems(loadProject(ROOT))), []);
});

t.test('every object, field, class, component, tab, credential and label named in force-app exists', async (t) => {
  const project = loadProject(ROOT);
  const refs = collectReferences(project);
  const kinds = new Set(refs.map((r) => r.kind));
  for (const kind of [
    'object',
    'field',
    'apexClass',
    'lwc',
    'tab',
    'customPermission',
    'externalCredentialPrincipal',
  ]) {
    t.ok(kinds.has(kind as never), `references of kind ${kind} were found and checked`);
  }
  t.same(show(referenceProblems(project, refs)), []);
});

t.test('components on Lightning pages are exposed for those pages', async (t) => {
  t.same(show(flexiPageTargetProblems(loadProject(ROOT))), []);
});

t.test('source-deploy-retrieve converts force-app to metadata format', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'slotwise-mdapi-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const result = await convertToMetadata(join(ROOT, 'force-app'), out);
  t.ok(result.components > 0, `${result.components} components`);
  t.equal(result.byType.get('CustomObject'), ALL_OBJECTS.length, 'every custom object');
  t.equal(result.byType.get('PermissionSet'), 3, 'three permission sets');
  t.equal(result.byType.get('CustomPermission'), 4, 'four custom permissions');
  for (const type of ['ExternalCredential', 'NamedCredential', 'CustomApplication'])
    t.equal(result.byType.get(type), 1, type);
  t.ok(result.packagePath && existsSync(join(result.packagePath, 'package.xml')), 'package.xml written');
  const appointment = join(result.packagePath ?? '', 'objects', `${APPOINTMENT}.object`);
  t.ok(existsSync(appointment), 'objects recomposed into .object files');
  t.match(readText(appointment), /<fullName>Booking_Key__c<\/fullName>/, 'with their fields');
});

t.test('the data model is the one docs/salesforce-package.md describes', async (t) => {
  const docObjects = parseDocModel(readText(join(ROOT, DOC)));
  t.equal(docObjects.length, ALL_OBJECTS.length, 'the contract describes every object');
  t.ok(docObjects.reduce((n, o) => n + o.fields.length, 0) > 70, 'and their fields');
  const schema = loadSchema(SOURCE, ROOT);
  t.same(show(docModelProblems(docObjects, schema, DOC)), []);
  t.same(show(fieldDocumentationProblems(schema)), [], 'every field has a label, description and inline help');
});

t.test('validation rules guard the obvious mistakes', async (t) => {
  const schema = loadSchema(SOURCE, ROOT);
  const formulas = (object: string) =>
    schema
      .get(object)!
      .validationRules.filter((r) => r.active)
      .map((r) => r.formula);
  t.ok(formulas(APPOINTMENT).includes('End__c <= Start__c'), 'appointment ends after it starts');
  t.ok(formulas('Slotwise_Availability_Exception__c').includes('End__c <= Start__c'), 'exception ends after it starts');
  t.ok(formulas('Slotwise_Availability_Rule__c').includes('End_Time__c <= Start_Time__c'), 'rule ends after it starts');
  t.ok(formulas('Slotwise_Appointment_Type__c').includes('Duration_Minutes__c <= 0'), 'duration > 0');
  t.ok(formulas('Slotwise_Appointment_Type__c').includes('BLANKVALUE(Capacity__c, 0) < 1'), 'capacity >= 1');
  t.ok(formulas('Slotwise_Booking_Page__c').includes('Singleton__c <> "org"'), 'one booking page');
});

t.test('permission sets list every permissionable field and no field Salesforce rejects', async (t) => {
  const schema = loadSchema(SOURCE, ROOT);
  const sets = readPermissionSets(SOURCE, ROOT);
  t.same(sets.map((s) => s.name).sort(), ['Slotwise_Admin', 'Slotwise_Integration', 'Slotwise_Staff']);
  for (const ps of sets) t.same(show(fieldPermissionProblems(ps, schema)), [], ps.name);
});

t.test('permission sets agree with the contract', async (t) => {
  const schema = loadSchema(SOURCE, ROOT);
  const sets = new Map(readPermissionSets(SOURCE, ROOT).map((ps) => [ps.name, ps]));
  const admin = sets.get('Slotwise_Admin')!;
  const staff = sets.get('Slotwise_Staff')!;
  const integration = sets.get('Slotwise_Integration')!;
  const full = { create: true, read: true, edit: true, delete: true, viewAll: true, modifyAll: true };
  const none = { create: false, read: false, edit: false, delete: false, viewAll: false, modifyAll: false };
  const readOnly = { ...none, read: true };
  const readCreateEdit = { ...none, read: true, create: true, edit: true };
  const customFields = (object: string) =>
    [...schema.get(object)!.fields.values()].filter((f) => f.file && !f.required).map((f) => `${object}.${f.name}`);

  t.test('Slotwise_Admin', async (t) => {
    t.same([...admin.objects.keys()].sort(), [...ALL_OBJECTS].sort(), 'every Slotwise object and nothing else');
    for (const object of ALL_OBJECTS) t.same(admin.objects.get(object), full, `full access to ${object}`);
    for (const field of ALL_OBJECTS.flatMap(customFields)) {
      t.same(admin.fields.get(field), { readable: true, editable: true }, `edits ${field}`);
    }
    t.same([...admin.customPermissions].sort(), CUSTOM_PERMISSIONS, 'all four custom permissions');
    t.same([...admin.classes].sort(), CONTROLLERS, 'the four controllers');
    t.same(admin.principals, [PRINCIPAL], 'principal access to the Slotwise_Service credential');
    t.same(admin.applications, ['Slotwise'], 'the app');
    for (const tab of APP_TABS) {
      t.equal(admin.tabs.get(tab), 'Visible', `tab ${tab}`);
    }
  });

  t.test('Slotwise_Staff', async (t) => {
    for (const object of CONFIG_OBJECTS) t.same(staff.objects.get(object), readOnly, `reads ${object}`);
    t.same(staff.objects.get(APPOINTMENT), readCreateEdit, 'reads, creates and edits appointments');
    t.same(staff.objects.get(SMS), readOnly, 'reads SMS messages');
    t.notOk(staff.objects.has(CREDIT_PURCHASE), 'no credit purchases: they are for admins');
    for (const field of [...CONFIG_OBJECTS, SMS].flatMap(customFields)) {
      t.same(staff.fields.get(field), { readable: true, editable: false }, `reads ${field}`);
    }
    for (const field of ['Status__c', 'Cancellation_Reason__c', 'Patient_Name__c', 'Patient_Phone__c']) {
      t.same(staff.fields.get(`${APPOINTMENT}.${field}`), { readable: true, editable: true }, `edits ${field}`);
    }
    for (const field of [
      'SMS_Consent__c',
      'SMS_Consent_At__c',
      'Booking_Key__c',
      'Payment_Status__c',
      'Payment_Reference__c',
    ]) {
      t.same(
        staff.fields.get(`${APPOINTMENT}.${field}`),
        { readable: true, editable: false },
        `cannot rewrite ${field}`,
      );
    }
    t.same(staff.customPermissions, ['Slotwise_Send_SMS'], 'only Send SMS');
    t.same([...staff.classes].sort(), ['SlotwiseAgendaController', 'SlotwiseBookController', 'SlotwiseSmsController']);
    t.same(staff.principals, [PRINCIPAL]);
    t.same(staff.applications, ['Slotwise']);
    t.equal(staff.tabs.get('Slotwise_Agenda'), 'Visible', 'the agenda tab');
    t.notOk(staff.tabs.has('Slotwise_Setup'), 'not the admin console');
  });

  t.test('Slotwise_Integration: exactly what the service reads and writes', async (t) => {
    t.same(integration.customPermissions, [], 'no custom permissions');
    t.same(integration.classes, [], 'no Apex');
    t.same([...integration.tabs.keys()], [], 'no tabs');
    t.same(integration.applications, [], 'no app');
    t.same(integration.principals, [], 'no callouts');
    t.same(integration.userPermissions, [], 'no user permissions');
    const expected = new Map<string, typeof none>([
      ...CONFIG_OBJECTS.map((o) => [o, readOnly] as const),
      // The service works on every appointment and message whoever owns it, which Private sharing
      // would otherwise hide from it: owners stay the org's to choose, and staff see what sharing allows.
      [APPOINTMENT, { ...readCreateEdit, viewAll: true, modifyAll: true }],
      [SMS, { ...readCreateEdit, viewAll: true, modifyAll: true }],
      // Receipts of credit purchases: the service upserts the ones it created (it owns them).
      [CREDIT_PURCHASE, readCreateEdit],
      ['Contact', { ...none, read: true, create: true }],
      ['Lead', { ...none, read: true, create: true }],
    ]);
    t.same(new Map([...integration.objects].sort()), new Map([...expected].sort()), 'object access');
    for (const field of CONFIG_OBJECTS.flatMap(customFields)) {
      t.same(integration.fields.get(field), { readable: true, editable: false }, `reads ${field}`);
    }
    for (const field of [APPOINTMENT, SMS, CREDIT_PURCHASE].flatMap(customFields)) {
      t.same(integration.fields.get(field), { readable: true, editable: true }, `writes ${field}`);
    }
    // FirstName and LastName are parts of the Name field, which field-level security does not cover.
    const standard = [...integration.fields.keys()].filter((f) => !f.startsWith('Slotwise_')).sort();
    t.same(standard, [
      'Contact.Email',
      'Contact.MobilePhone',
      'Contact.Phone',
      'Lead.Email',
      'Lead.MobilePhone',
      'Lead.Phone',
    ]);
  });

  t.test('only Slotwise_Admin and Slotwise_Staff may call the service', async (t) => {
    const withAccess = [...sets.values()].filter((ps) => ps.principals.length > 0).map((ps) => ps.name);
    t.same(withAccess.sort(), ['Slotwise_Admin', 'Slotwise_Staff']);
  });
});

t.test('the service connection: External Credential and Named Credential', async (t) => {
  const credential = parseMetadata(
    readText(join(SOURCE, 'externalCredentials', 'Slotwise_Service.externalCredential-meta.xml')),
  );
  t.equal(text(credential, 'authenticationProtocol'), 'Custom');
  const parameters = children(credential, 'externalCredentialParameters');
  const principal = parameters.filter((p) => text(p, 'parameterType') === 'NamedPrincipal');
  t.same(
    principal.map((p) => text(p, 'parameterName')),
    ['OrgApiKey'],
    'one named principal, OrgApiKey',
  );
  const headers = parameters.filter((p) => text(p, 'parameterType') === 'AuthHeader');
  t.same(
    headers.map((h) => [text(h, 'parameterName'), text(h, 'parameterValue')]),
    [['X-Slotwise-Api-Key', '{!$Credential.Slotwise_Service.ApiKey}']],
    'the API key header, from the principal',
  );
  t.notMatch(
    readText(join(SOURCE, 'externalCredentials', 'Slotwise_Service.externalCredential-meta.xml')),
    /<parameterType>AuthParameter<\/parameterType>/,
    'no secret in source',
  );

  const named = parseMetadata(readText(join(SOURCE, 'namedCredentials', 'Slotwise_Service.namedCredential-meta.xml')));
  t.equal(text(named, 'namedCredentialType'), 'SecuredEndpoint');
  t.equal(text(named, 'allowMergeFieldsInHeader'), 'true', 'merge fields in headers');
  t.equal(text(named, 'generateAuthorizationHeader'), 'false', 'no Authorization header');
  const params = children(named, 'namedCredentialParameters');
  t.same(
    params.filter((p) => text(p, 'parameterType') === 'Url').map((p) => text(p, 'parameterValue')),
    ['https://slotwise.example.com'],
  );
  t.same(
    params.filter((p) => text(p, 'parameterType') === 'Authentication').map((p) => text(p, 'externalCredential')),
    ['Slotwise_Service'],
  );
});

t.test('the Slotwise app, its tabs and Lightning pages', async (t) => {
  const app = parseMetadata(readText(join(SOURCE, 'applications', 'Slotwise.app-meta.xml')));
  t.equal(text(app, 'uiType'), 'Lightning');
  t.same(texts(app, 'tabs'), APP_TABS);
  const page = (name: string) => parseMetadata(readText(join(SOURCE, 'flexipages', `${name}.flexipage-meta.xml`)));
  const components = (name: string) =>
    children(page(name), 'flexiPageRegions')
      .flatMap((r) => children(r, 'itemInstances'))
      .flatMap((i) => children(i, 'componentInstance'))
      .map((c) => text(c, 'componentName'));
  const tab = (name: string) => parseMetadata(readText(join(SOURCE, 'tabs', `${name}.tab-meta.xml`)));
  t.equal(text(tab('Slotwise_Setup'), 'label'), 'Slotwise Setup');
  t.equal(text(tab('Slotwise_Setup'), 'flexiPage'), 'Slotwise_Setup');
  t.equal(text(tab('Slotwise_Agenda'), 'flexiPage'), 'Slotwise_Agenda');
  t.same(components('Slotwise_Setup'), ['slotwiseSetup']);
  t.same(components('Slotwise_Agenda'), ['slotwiseAgenda']);
  for (const [name, object, expected] of [
    ['Slotwise_Contact_Record_Page', 'Contact', ['slotwiseBook', 'slotwiseSmsHistory']],
    ['Slotwise_Lead_Record_Page', 'Lead', ['slotwiseBook', 'slotwiseSmsHistory']],
    ['Slotwise_Account_Record_Page', 'Account', ['slotwiseBook']],
    ['Slotwise_Appointment_Record_Page', APPOINTMENT, ['slotwiseSmsHistory']],
  ] as const) {
    t.equal(text(page(name), 'type'), 'RecordPage');
    t.equal(text(page(name), 'sobjectType'), object);
    t.ok(components(name).includes('force:detailPanel'), `${name} keeps the record details`);
    for (const c of expected) t.ok(components(name).includes(c), `${name} has ${c}`);
  }
});

t.test('the demo clinic loads into the data model', async (t) => {
  t.same(show(demoDataProblems(PLAN, loadSchema(SOURCE, ROOT), ROOT)), []);
  const records = (object: string) =>
    (
      JSON.parse(readText(join(ROOT, 'config', 'demo-data', `${object}.json`))) as {
        records: Record<string, unknown>[];
      }
    ).records;
  t.equal(records('Slotwise_Appointment_Type__c').length, 3, 'three appointment types');
  t.same(
    records('Slotwise_Resource__c')
      .map((r) => r.Kind__c)
      .sort(),
    ['Room', 'Staff', 'Staff'],
    'two staff and a room',
  );
  const rules = records('Slotwise_Availability_Rule__c');
  t.equal(rules.length, 15, 'weekly hours for each resource');
  t.same([...new Set(rules.map((r) => r.Weekday__c))], ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
  t.ok(
    rules.every((r) => r.Start_Time__c === '09:00:00.000Z' && r.End_Time__c === '17:00:00.000Z'),
    '09:00-17:00',
  );
  t.equal(records('Slotwise_Availability_Exception__c').length, 1, 'one exception');
  t.equal(records('Slotwise_Reminder_Rule__c').length, 2, 'two reminder rules');
  t.equal(records('Slotwise_Booking_Page__c').length, 1, 'the booking page');
  t.ok(records('Slotwise_Resource_Type__c').length > 0, 'resources offer types');
});

t.test('the scratch-org workflow and definition point at files that exist', async (t) => {
  const workflow = readText(join(ROOT, '.github', 'workflows', 'scratch-org.yml'));
  const definition = JSON.parse(readText(join(ROOT, 'config', 'project-scratch-def.json'))) as { edition?: string };
  t.ok(definition.edition, 'the scratch definition names an edition');
  t.match(workflow, /secrets\.SF_DEVHUB_AUTH_URL/, 'gated on the Dev Hub secret');
  for (const path of workflow.matchAll(/(?:--definition-file|--plan|--source-dir)\s+(\S+)/g)) {
    t.ok(existsSync(join(ROOT, path[1]!)), `${path[1]} exists`);
  }
  for (const name of workflow.matchAll(/permset --name (\w+)/g)) {
    t.ok(
      existsSync(join(SOURCE, 'permissionsets', `${name[1]}.permissionset-meta.xml`)),
      `permission set ${name[1]} exists`,
    );
  }
  t.match(workflow, /--code-coverage/);
  t.match(workflow, /MIN_COVERAGE: 90/);
});

// ---------------------------------------------------------------------------------------------------------
// The checks themselves: each one fails when the package is broken.

t.test('checks of the checks', async (t) => {
  t.test('a permission set naming a field that does not exist is reported with its file and line', async (t) => {
    const root = copyProject(t);
    const file = 'force-app/main/default/permissionsets/Slotwise_Staff.permissionset-meta.xml';
    const injected = `    <fieldPermissions>\n        <editable>false</editable>\n        <field>${APPOINTMENT}.No_Such_Field__c</field>\n        <readable>true</readable>\n    </fieldPermissions>\n`;
    edit(join(root, file), (s) => s.replace('    <hasActivationRequired>', `${injected}    <hasActivationRequired>`));
    const line = lineAt(readText(join(root, file)), readText(join(root, file)).indexOf('No_Such_Field__c'));
    t.same(introducedReferenceProblems(root), [
      `${file}:${line}: field ${APPOINTMENT}.No_Such_Field__c does not exist`,
    ]);
  });

  t.test('renaming a field breaks every permission set, Apex class and list view that names it', async (t) => {
    const root = copyProject(t);
    const fields = join(root, 'force-app/main/default/objects', APPOINTMENT, 'fields');
    renameSync(join(fields, 'Patient_Name__c.field-meta.xml'), join(fields, 'Patient_Full_Name__c.field-meta.xml'));
    edit(join(fields, 'Patient_Full_Name__c.field-meta.xml'), (s) =>
      s.replace('<fullName>Patient_Name__c<', '<fullName>Patient_Full_Name__c<'),
    );
    const problems = referenceProblems(loadProject(root));
    const files = new Set(problems.filter((p) => p.message.includes('Patient_Name__c')).map((p) => p.file));
    for (const ps of ['Slotwise_Admin', 'Slotwise_Staff', 'Slotwise_Integration']) {
      const file = `force-app/main/default/permissionsets/${ps}.permissionset-meta.xml`;
      const source = readText(join(root, file));
      const line = lineAt(source, source.indexOf(`${APPOINTMENT}.Patient_Name__c`));
      t.ok(
        problems.some((p) => p.file === file && p.line === line),
        `${file}:${line} reported`,
      );
    }
    t.ok(files.has(`force-app/main/default/objects/${APPOINTMENT}/listViews/All.listView-meta.xml`), 'the list view');
    for (const cls of listFiles(join(root, 'force-app/main/default/classes'), (p) => p.endsWith('.cls'))) {
      if (/\bPatient_Name__c\b/.test(readText(cls))) {
        const file = cls
          .slice(root.length + 1)
          .split('\\')
          .join('/');
        t.ok(files.has(file), `${file} uses it and is reported`);
      }
    }
    const docProblems = docModelProblems(
      parseDocModel(readText(join(root, DOC))),
      loadSchema(join(root, 'force-app/main/default'), root),
      DOC,
    );
    t.ok(
      docProblems.some((p) =>
        p.message.includes(`${APPOINTMENT}.Patient_Name__c is in the contract but not in force-app`),
      ),
      'the contract check',
    );
    t.ok(
      docProblems.some((p) => p.message.includes('Patient_Full_Name__c is not in the contract')),
      'and the extra field',
    );
  });

  t.test('Apex naming missing fields, relationships, permissions and credentials is reported', async (t) => {
    const root = copyProject(t);
    const classes = join(root, 'force-app/main/default/classes');
    mkdirSync(classes, { recursive: true });
    const apex = [
      'public with sharing class SlotwiseBrokenProbe {',
      '    public static List<Slotwise_Appointment__c> load() {',
      '        return [SELECT Id, No_Such_Field__c FROM Slotwise_Appointment__c WITH USER_MODE];',
      '    }',
      '    public static Object token() {',
      '        return Slotwise_Appointment__c.No_Such_Field__c;',
      '    }',
      '    public static Object children() {',
      '        return [SELECT Id, (SELECT Id FROM No_Such_Children__r) FROM Slotwise_Resource__c];',
      '    }',
      '    public static Boolean allowed() {',
      "        return FeatureManagement.checkPermission('Slotwise_No_Such_Permission');",
      '    }',
      '    public static void insertOne() {',
      "        insert new Slotwise_Resource__c(Name = 'x', Kind_Of__c = 'Staff');",
      '        HttpRequest r = new HttpRequest();',
      "        r.setEndpoint('callout:No_Such_Service/v1');",
      '    }',
      '}',
      '',
    ].join('\n');
    writeFileSync(join(classes, 'SlotwiseBrokenProbe.cls'), apex);
    writeFileSync(
      join(classes, 'SlotwiseBrokenProbe.cls-meta.xml'),
      readText(join(SOURCE, 'classes', 'SlotwisePermissions.cls-meta.xml')),
    );
    const file = 'force-app/main/default/classes/SlotwiseBrokenProbe.cls';
    const problems = show(referenceProblems(loadProject(root)).filter((p) => p.file === file));
    t.same(problems, [
      `${file}:3: field ${APPOINTMENT}.No_Such_Field__c does not exist`,
      `${file}:9: child relationship Slotwise_Resource__c.No_Such_Children__r does not exist`,
      `${file}:6: field ${APPOINTMENT}.No_Such_Field__c does not exist`,
      `${file}:15: field Slotwise_Resource__c.Kind_Of__c does not exist`,
      `${file}:3: field No_Such_Field__c does not exist on any object`,
      `${file}:6: field No_Such_Field__c does not exist on any object`,
      `${file}:15: field Kind_Of__c does not exist on any object`,
      `${file}:12: custom permission Slotwise_No_Such_Permission does not exist`,
      `${file}:17: named credential No_Such_Service does not exist`,
    ]);
  });

  t.test('an LWC importing a missing field, Apex method or label is reported', async (t) => {
    const root = copyProject(t);
    const bundle = join(root, 'force-app/main/default/lwc/slotwiseBrokenProbe');
    mkdirSync(bundle, { recursive: true });
    writeFileSync(
      join(bundle, 'slotwiseBrokenProbe.js'),
      [
        `import NO_FIELD from '@salesforce/schema/${APPOINTMENT}.No_Such_Field__c';`,
        "import missing from '@salesforce/apex/SlotwiseNoSuchController.run';",
        "import NO_LABEL from '@salesforce/label/c.Slotwise_No_Such_Label';",
        "import { LightningElement } from 'lwc';",
        'export default class SlotwiseBrokenProbe extends LightningElement {',
        "  fields = ['Slotwise_Resource__c.Time_Zone__c', 'Slotwise_Resource__c.No_Zone__c'];",
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(bundle, 'slotwiseBrokenProbe.js-meta.xml'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n    <apiVersion>65.0</apiVersion>\n    <isExposed>false</isExposed>\n</LightningComponentBundle>\n',
    );
    const file = 'force-app/main/default/lwc/slotwiseBrokenProbe/slotwiseBrokenProbe.js';
    const problems = show(referenceProblems(loadProject(root)).filter((p) => p.file === file));
    t.same(problems, [
      `${file}:1: field ${APPOINTMENT}.No_Such_Field__c does not exist`,
      `${file}:2: Apex class SlotwiseNoSuchController does not exist`,
      `${file}:3: custom label Slotwise_No_Such_Label does not exist`,
      `${file}:6: field Slotwise_Resource__c.No_Zone__c does not exist`,
      `${file}:6: field No_Zone__c does not exist on any object`,
    ]);
  });

  t.test('a Lightning page, tab or app naming something missing is reported', async (t) => {
    const root = copyProject(t);
    const source = join(root, 'force-app/main/default');
    edit(join(source, 'flexipages/Slotwise_Setup.flexipage-meta.xml'), (s) =>
      s.replace('>slotwiseSetup<', '>slotwiseSetupp<'),
    );
    edit(join(source, 'applications/Slotwise.app-meta.xml'), (s) =>
      s.replace('<tabs>Slotwise_Agenda</tabs>', '<tabs>Slotwise_Agendas</tabs>'),
    );
    unlinkSync(join(source, 'externalCredentials/Slotwise_Service.externalCredential-meta.xml'));
    const messages = referenceProblems(loadProject(root)).map((p) => `${p.file}: ${p.message}`);
    t.ok(
      messages.includes(
        'force-app/main/default/flexipages/Slotwise_Setup.flexipage-meta.xml: Lightning web component slotwiseSetupp does not exist',
      ),
    );
    t.ok(
      messages.includes(
        'force-app/main/default/applications/Slotwise.app-meta.xml: tab Slotwise_Agendas does not exist',
      ),
    );
    t.ok(
      messages.includes(
        `force-app/main/default/permissionsets/Slotwise_Admin.permissionset-meta.xml: external credential principal ${PRINCIPAL} does not exist`,
      ),
    );
    t.ok(
      messages.includes(
        'force-app/main/default/namedCredentials/Slotwise_Service.namedCredential-meta.xml: external credential Slotwise_Service does not exist',
      ),
    );
  });

  t.test('a component not exposed for the page it is placed on is reported', async (t) => {
    const root = copyProject(t);
    const meta = join(root, 'force-app/main/default/lwc/slotwiseBook/slotwiseBook.js-meta.xml');
    edit(meta, (s) => s.replace(/\s*<object>Account<\/object>/, ''));
    const file = 'force-app/main/default/flexipages/Slotwise_Account_Record_Page.flexipage-meta.xml';
    const source = readText(join(root, file));
    const line = lineAt(source, source.indexOf('<componentName>slotwiseBook<'));
    t.same(show(flexiPageTargetProblems(loadProject(root))), [
      `${file}:${line}: slotwiseBook is not available on Account record pages`,
    ]);
    edit(meta, (s) => s.replace('<target>lightning__RecordPage</target>', '<target>lightning__AppPage</target>'));
    t.ok(
      show(flexiPageTargetProblems(loadProject(root))).includes(
        `${file}:${line}: slotwiseBook does not target lightning__RecordPage`,
      ),
    );
  });

  t.test('a broken XML file is reported with its file and line', async (t) => {
    const root = copyProject(t);
    const file = 'force-app/main/default/permissionsets/Slotwise_Admin.permissionset-meta.xml';
    edit(join(root, file), (s) => s.replace('</label>', '</labl>'));
    const source = readText(join(root, file));
    const problems = xmlProblems(xmlUnder(join(root, 'force-app')), root);
    t.equal(problems.length, 1);
    t.equal(problems[0]?.file, file);
    t.equal(problems[0]?.line, lineAt(source, source.indexOf('</labl>')));
    t.match(problems[0]?.message, /not well-formed XML/);
  });

  t.test('missing bundle files are reported', async (t) => {
    const root = copyProject(t);
    const source = join(root, 'force-app/main/default');
    mkdirSync(join(source, 'classes'), { recursive: true });
    writeFileSync(join(source, 'classes', 'SlotwiseOrphan.cls'), 'public class SlotwiseOrphan {}\n');
    mkdirSync(join(source, 'lwc', 'slotwiseHalfDone'), { recursive: true });
    writeFileSync(join(source, 'lwc', 'slotwiseHalfDone', 'slotwiseHalfDone.js'), 'export default class X {}\n');
    const bundles = introduced(bundleProblems(loadProject(root)), () => bundleProblems(loadProject(ROOT)));
    t.same(bundles, [
      'force-app/main/default/classes/SlotwiseOrphan.cls:1: has no SlotwiseOrphan.cls-meta.xml',
      'force-app/main/default/lwc/slotwiseHalfDone:1: LWC bundle has no slotwiseHalfDone.js-meta.xml',
    ]);
  });

  t.test('a permission set listing a required field, or leaving one out, is reported', async (t) => {
    const root = copyProject(t);
    const file = join(root, 'force-app/main/default/permissionsets/Slotwise_Integration.permissionset-meta.xml');
    edit(file, (s) =>
      s
        .replace(`<field>${APPOINTMENT}.Status__c</field>`, `<field>${APPOINTMENT}.Start__c</field>`)
        .replace(
          / {4}<fieldPermissions>\s*<editable>true<\/editable>\s*<field>Slotwise_SMS_Message__c\.Segments__c<\/field>\s*<readable>true<\/readable>\s*<\/fieldPermissions>\n/,
          '',
        ),
    );
    const messages = fieldPermissionProblems(
      readPermissionSet(file, root),
      loadSchema(join(root, 'force-app/main/default'), root),
    ).map((p) => p.message);
    t.same(messages.sort(), [
      `${APPOINTMENT}.Start__c is required or master-detail: Salesforce rejects it in fieldPermissions`,
      `${APPOINTMENT}.Status__c is not in fieldPermissions`,
      `${SMS}.Segments__c is not in fieldPermissions`,
    ]);
  });

  t.test('a field that drifts from the contract is reported', async (t) => {
    const root = copyProject(t);
    const field = join(
      root,
      'force-app/main/default/objects/Slotwise_Appointment_Type__c/fields/Duration_Minutes__c.field-meta.xml',
    );
    edit(field, (s) =>
      s
        .replace('<precision>4</precision>', '<precision>5</precision>')
        .replace('<inlineHelpText>', '<inlineHelpText> '),
    );
    edit(join(root, 'force-app/main/default/objects/Slotwise_Appointment__c/fields/Status__c.field-meta.xml'), (s) =>
      s.replace(/No-show/g, 'No show'),
    );
    const schema = loadSchema(join(root, 'force-app/main/default'), root);
    t.same(show(docModelProblems(parseDocModel(readText(join(root, DOC))), schema, DOC)), [
      'force-app/main/default/objects/Slotwise_Appointment_Type__c/fields/Duration_Minutes__c.field-meta.xml:1: Slotwise_Appointment_Type__c.Duration_Minutes__c: precision should be 4, is 5',
      `force-app/main/default/objects/${APPOINTMENT}/fields/Status__c.field-meta.xml:1: ${APPOINTMENT}.Status__c: picklist values should be ["Scheduled","Confirmed","Cancelled","Completed","No-show"], is ["Scheduled","Confirmed","Cancelled","Completed","No show"]`,
    ]);
    edit(field, (s) => s.replace(/<inlineHelpText>[^<]*<\/inlineHelpText>/, '<inlineHelpText> </inlineHelpText>'));
    t.same(show(fieldDocumentationProblems(loadSchema(join(root, 'force-app/main/default'), root))), [
      'force-app/main/default/objects/Slotwise_Appointment_Type__c/fields/Duration_Minutes__c.field-meta.xml:1: Slotwise_Appointment_Type__c.Duration_Minutes__c has no inlineHelpText',
    ]);
  });

  t.test('demo data that does not fit the data model is reported with its file and line', async (t) => {
    const root = copyProject(t);
    const file = 'config/demo-data/Slotwise_Resource__c.json';
    edit(join(root, file), (s) => s.replace('"Room"', '"Rooom"'));
    edit(join(root, 'config/demo-data/Slotwise_Availability_Rule__c.json'), (s) =>
      s.replace('"@ResourceStudioRef"', '"@ResourceNobodyRef"'),
    );
    const source = readText(join(root, file));
    const line = lineAt(source, source.indexOf('"Rooom"'));
    const problems = show(
      demoDataProblems(
        join(root, 'config/demo-data/plan.json'),
        loadSchema(join(root, 'force-app/main/default'), root),
        root,
      ),
    );
    t.equal(problems.length, 2);
    t.equal(problems[0], `${file}:${line}: Slotwise_Resource__c.Kind__c: "Rooom" is not one of Staff, Room, Equipment`);
    t.match(
      problems[1],
      /Slotwise_Availability_Rule__c\.json:\d+: @ResourceNobodyRef is not saved by an earlier plan entry/,
    );
  });

  t.test('source-deploy-retrieve rejects a component it cannot read', async (t) => {
    const root = copyProject(t);
    const out = mkdtempSync(join(tmpdir(), 'slotwise-mdapi-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    // A mistyped suffix: the file belongs to no metadata type, so the CLI could not deploy it either.
    writeFileSync(
      join(root, 'force-app/main/default/tabs/Slotwise_Typo.tabs-meta.xml'),
      readText(join(SOURCE, 'tabs/Slotwise_Agenda.tab-meta.xml')),
    );
    await t.rejects(convertToMetadata(join(root, 'force-app'), out), { name: 'TypeInferenceError' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The parsers the checks are built on

t.test('parseSoql', async (t) => {
  const query = parseSoql(
    "SELECT Id, Name, Resource__r.Time_Zone__c, toLabel(Status__c), COUNT(), (SELECT Weekday__c FROM Availability_Rules__r WHERE Weekday__c = 'Monday') FROM Slotwise_Resource__c WHERE Kind__c = :kind AND Id IN (SELECT Resource__c FROM Slotwise_Resource_Type__c WHERE Appointment_Type__c = :typeId) AND Time_Zone__c != 'X__c' WITH USER_MODE ORDER BY Name LIMIT :rec.Max__c",
  )!;
  t.equal(query.from, 'Slotwise_Resource__c');
  t.same(
    query.fields.map((f) => f.path),
    ['Id', 'Name', 'Resource__r.Time_Zone__c', 'Status__c', 'Kind__c', 'Time_Zone__c'],
  );
  t.same(
    query.children.map((c) => [c.from, c.fields.map((f) => f.path)]),
    [['Availability_Rules__r', ['Weekday__c', 'Weekday__c']]],
  );
  t.same(
    query.semiJoins.map((c) => [c.from, c.fields.map((f) => f.path)]),
    [['Slotwise_Resource_Type__c', ['Resource__c', 'Appointment_Type__c']]],
  );
  t.same(
    query.literals.map((l) => l.value),
    ['Monday', 'X__c'],
  );
  t.equal(parseSoql('SELECT Id, Name FROM '), undefined, 'an unfinished query is not guessed at');
  t.same(
    parseSoql('SELECT a.Start__c FROM Slotwise_Appointment__c a')!.fields.map((f) => f.path),
    ['Start__c'],
    'aliases',
  );
});

t.test('maskApex keeps offsets and hides comments and strings', async (t) => {
  const source = "String s = 'a // b'; // Fake__c\n/* Other__c */ Integer i = 1;";
  const { code, strings } = maskApex(source);
  t.equal(code.length, source.length);
  t.notMatch(code, /Fake__c|Other__c|a \/\/ b/);
  t.same(strings, [{ start: 12, value: 'a // b' }]);
});

t.test('apexReferences follows typed variables and constructors', async (t) => {
  const source = [
    'for (Slotwise_Appointment__c appt : rows) {',
    '    Id r = appt.Resource__c;',
    '    String zone = appt.Resource__r.Time_Zone__c;',
    '    Boolean same = appt.Resource__c.getSObjectType() == null;',
    '}',
    "Slotwise_Resource__c res = new Slotwise_Resource__c(Name = 'x', Kind__c = 'Room');",
  ].join('\n');
  const fields = apexReferences(source, 'X.cls')
    .filter((r) => r.kind === 'field')
    .map((r) => `${r.line}:${r.object}.${r.name}`);
  t.same(fields, [
    '6:Slotwise_Resource__c.Name',
    '6:Slotwise_Resource__c.Kind__c',
    '2:Slotwise_Appointment__c.Resource__c',
    '3:Slotwise_Appointment__c.Resource__r.Time_Zone__c',
    '4:Slotwise_Appointment__c.Resource__c',
  ]);
});

t.test('lwcScriptReferences reads schema, apex, label and custom permission imports', async (t) => {
  const refs = lwcScriptReferences(
    [
      "import START from '@salesforce/schema/Slotwise_Appointment__c.Start__c';",
      "import getSlots from '@salesforce/apex/SlotwiseBookController.getSlots';",
      "import TITLE from '@salesforce/label/c.Slotwise_Title';",
      "import canSend from '@salesforce/customPermission/Slotwise_Send_SMS';",
    ].join('\n'),
    'x.js',
  ).map((r) => `${r.line}:${r.kind}:${r.object ?? ''}:${r.name}`);
  t.same(refs, [
    '1:object::Slotwise_Appointment__c',
    '1:field:Slotwise_Appointment__c:Start__c',
    '2:apexClass::SlotwiseBookController',
    '2:auraMethod:SlotwiseBookController:getSlots',
    '3:label::Slotwise_Title',
    '4:customPermission::Slotwise_Send_SMS',
  ]);
});

t.test('hasAuraMethod', async (t) => {
  const apex =
    'public class C {\n    @AuraEnabled(cacheable=true)\n    public static List<String> getThings(Id x) { return null; }\n    public static void plain() {}\n}';
  t.ok(hasAuraMethod(apex, 'getThings'));
  t.notOk(hasAuraMethod(apex, 'plain'), 'not @AuraEnabled');
  t.notOk(hasAuraMethod(apex, 'missing'));
});

t.test('resolveFieldPath', async (t) => {
  const schema = loadSchema(SOURCE, ROOT);
  t.equal(resolveFieldPath(schema, APPOINTMENT, 'Resource__r.Time_Zone__c'), undefined);
  t.equal(resolveFieldPath(schema, APPOINTMENT, 'Contact__r.Email'), undefined);
  t.equal(resolveFieldPath(schema, APPOINTMENT, 'resource__r.time_zone__c', true), undefined, 'Apex ignores case');
  t.equal(
    resolveFieldPath(schema, APPOINTMENT, 'resource__r.time_zone__c'),
    `relationship ${APPOINTMENT}.resource__r does not exist (no field resource__c)`,
  );
  t.equal(
    resolveFieldPath(schema, APPOINTMENT, 'Start__r.Foo__c'),
    `${APPOINTMENT}.Start__c is not a lookup, so Start__r does not exist`,
  );
  t.equal(resolveFieldPath(schema, APPOINTMENT, 'Owner.Name'), undefined, 'standard relationships of custom objects');
  t.equal(
    resolveFieldPath(schema, 'Slotwise_Resource_Type__c', 'OwnerId'),
    'field Slotwise_Resource_Type__c.OwnerId does not exist',
    'details have no owner',
  );
  t.equal(resolveFieldPath(schema, 'Contact', 'Title'), undefined, 'code may use other standard fields');
  t.match(resolveFieldPath(schema, 'Contact', 'Title', false, true), /STANDARD_FIELDS/, 'permission sets may not');
});

t.test('parseDocType', async (t) => {
  t.same(parseDocType('Currency(16,2)'), {
    type: 'Currency',
    required: false,
    unique: false,
    externalId: false,
    scale: 2,
    precision: 18,
  });
  t.same(parseDocType('Text(10), unique, required, default `"org"`'), {
    type: 'Text',
    required: true,
    unique: true,
    externalId: false,
    length: 10,
    defaultValue: '"org"',
  });
  t.same(parseDocType('Picklist: `Skip` (default), `Send Now`')?.picklistDefault, 'Skip');
  t.equal(parseDocType('Blob'), undefined);
});
