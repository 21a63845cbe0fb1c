/**
 * Offline checks of the package's Apex (force-app/main/default/classes): Apex only runs in an org, so here it
 * is parsed, type-checked against the project's own objects (apex-ls), scanned by PMD's security rules and by
 * a source scan for sharing and user mode, and its service client is held to docs/org-api.yaml. The last test
 * breaks a copy of the tree on purpose to show each check really fails.
 *
 * Java checks skip with the reason when `java` is missing, unless SLOTWISE_REQUIRE_JAVA=1 (CI).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  ApexParserBaseListener,
  ApexParseTreeWalker,
  ClassBodyDeclarationContext,
  MethodDeclarationContext,
} from '@apexdevtools/apex-parser';
import { blockingIssues, formatIssue, runApexLs } from './apex-helpers/apex-ls.ts';
import {
  type ApexFile,
  type Finding,
  formatFinding,
  isTestClass,
  listClasses,
  parseApexFile,
  scanSecurity,
  serviceCalls,
} from './apex-helpers/apex-source.ts';
import { javaRequired, javaStatus } from './apex-helpers/java.ts';
import { loadOrgApi, pathMatches } from './apex-helpers/org-api.ts';
import { formatViolation, runPmd } from './apex-helpers/pmd.ts';
import { checkSoqlFields } from './apex-helpers/soql-fields.ts';
import { CLASSES, ORG_API, ROOT, SOURCE, copyWorkspace, editOnce } from './apex-helpers/workspace.ts';
import { loadSchema } from './helpers/schema.ts';

// The contract in docs/salesforce-package.md: the methods the LWCs call.
const CONTROLLERS: Record<string, string[]> = {
  SlotwiseSetupController: [
    'getStatus',
    'getSetup',
    'saveRecord',
    'deleteRecord',
    'getCredits',
    'getCreditHistory',
    'getPurchaseLink',
    'getAudit',
  ],
  SlotwiseBookController: ['getBookableTypes', 'getResources', 'getSlots', 'book'],
  SlotwiseAgendaController: ['getAgenda', 'setStatus'],
  SlotwiseSmsController: ['getHistory', 'canSend', 'send'],
};
const CLASS_NAMES = [
  'SlotwiseServiceClient',
  'SlotwiseServiceException',
  'SlotwisePermissions',
  ...Object.keys(CONTROLLERS),
];
const CLIENT = 'SlotwiseServiceClient';

const java = javaStatus();
const files: ApexFile[] = listClasses(CLASSES).map((file) => parseApexFile(file, ROOT));
const byName = new Map(files.map((f) => [path.basename(f.file, '.cls'), f]));

function lines(findings: Finding[]): string {
  return findings.map(formatFinding).join('\n');
}

/** A test that needs Java: runs, skips with the reason, or fails when CI requires Java. */
function javaTest(parent: Test, name: string, fn: (t: Test) => Promise<void>): void {
  if (java.available) {
    parent.test(name, fn);
  } else if (javaRequired) {
    parent.test(name, async (t) => {
      t.fail(`${java.reason}, and SLOTWISE_REQUIRE_JAVA=1 requires it`);
    });
  } else {
    parent.skip(`${name}: skipped, ${java.reason}`, () => {});
  }
}

t.test('every Apex class parses without syntax errors', async (t) => {
  for (const name of CLASS_NAMES) t.ok(byName.has(name), `${name}.cls exists`);
  for (const file of files) {
    t.same(file.syntaxErrors.map(formatFinding), [], `${file.file} parses`);
  }
});

t.test('every class has its meta file at API 65.0', async (t) => {
  for (const file of files) {
    const meta = path.join(ROOT, `${file.file}-meta.xml`);
    t.ok(existsSync(meta), `${file.file}-meta.xml exists`);
    if (!existsSync(meta)) continue;
    const xml = readFileSync(meta, 'utf8');
    t.match(xml, /<apiVersion>65\.0<\/apiVersion>/, `${file.file} is API 65.0`);
    t.match(xml, /<status>Active<\/status>/, `${file.file} is active`);
  }
});

t.test('controllers expose the documented @AuraEnabled methods', async (t) => {
  for (const [className, methods] of Object.entries(CONTROLLERS)) {
    const file = byName.get(className);
    if (!file) {
      t.fail(`${className}.cls is missing`);
      continue;
    }
    const aura = new Set<string>();
    class Finder extends ApexParserBaseListener {
      enterMethodDeclaration = (ctx: MethodDeclarationContext) => {
        const member = ctx.parentCtx?.parentCtx;
        const modifiers =
          member instanceof ClassBodyDeclarationContext ? member.modifier_list().map((m) => m.getText()) : [];
        if (modifiers.some((m) => /^@auraenabled/i.test(m)) && modifiers.some((m) => /^static$/i.test(m))) {
          aura.add(ctx.id().getText());
        }
      };
    }
    ApexParseTreeWalker.DEFAULT.walk(new Finder(), file.tree);
    for (const method of methods) t.ok(aura.has(method), `${className}.${method} is @AuraEnabled static`);
  }
});

t.test('sharing, user mode and logging (source scan)', async (t) => {
  const sharing: Finding[] = [];
  const userMode: Finding[] = [];
  for (const file of files) {
    const scan = scanSecurity(file);
    sharing.push(...scan.sharing);
    userMode.push(...scan.userMode);
  }
  t.equal(lines(sharing), '', 'every class declares with sharing');
  t.equal(lines(userMode), '', 'SOQL WITH USER_MODE, DML and dynamic queries with AccessLevel.USER_MODE');

  // Request and response bodies hold personal data and headers hold keys: production Apex logs nothing.
  const debug = files
    .filter((f) => !isTestClass(f))
    .flatMap((f) =>
      f.source
        .split('\n')
        .map((line, i) => ({ line, at: `${f.file}:${i + 1}` }))
        .filter(({ line }) => /\bSystem\.debug\s*\(/i.test(line)),
    )
    .map(({ at }) => at);
  t.same(debug, [], 'no System.debug in production classes');
});

t.test('static SOQL names only fields that exist in force-app objects', async (t) => {
  const schema = loadSchema(SOURCE, ROOT);
  t.ok(schema.get('Slotwise_Appointment__c')?.custom, 'the objects are in force-app');
  const findings = files.flatMap((file) => checkSoqlFields(file, schema));
  t.equal(lines(findings), '', 'every SOQL field resolves');
});

t.test('docs/org-api.yaml is a valid OpenAPI 3.1 document for the org API', async (t) => {
  const api = await loadOrgApi(ORG_API);
  t.equal(api.document.openapi, '3.1.0');
  const components = api.document.components as { securitySchemes?: Record<string, Record<string, string>> };
  const schemes = Object.values(components.securitySchemes ?? {});
  t.ok(
    schemes.some((s) => s.type === 'apiKey' && s.in === 'header' && s.name === 'X-Slotwise-Api-Key'),
    'API key in the X-Slotwise-Api-Key header',
  );
  t.ok(Array.isArray(api.document.security) && (api.document.security as unknown[]).length > 0, 'applies globally');

  const ids = api.operations.map((op) => op.operationId ?? '');
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const op of api.operations) {
    const name = `${op.method} ${op.path}`;
    t.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${name} has a camelCase operationId`);
    t.ok(op.headerParams.includes('X-Slotwise-User-Id'), `${name} takes X-Slotwise-User-Id`);
    for (const [status, response] of Object.entries(op.responses)) {
      if (/^[45]/.test(status)) {
        t.ok(response.content?.['application/problem+json'], `${name} ${status} is application/problem+json`);
      }
    }
  }
});

t.test('SlotwiseServiceClient and docs/org-api.yaml agree', async (t) => {
  const client = byName.get(CLIENT);
  if (!client) {
    t.fail(`${CLIENT}.cls is missing`);
    return;
  }
  const api = await loadOrgApi(ORG_API);
  const { calls, unchecked } = serviceCalls(client);
  t.equal(lines(unchecked), '', 'every call names its method and path literally');
  t.ok(calls.length > 0, 'the client calls the service');

  for (const call of calls) {
    const documented = api.operations.some((op) => op.method === call.method && pathMatches(op.path, call.path));
    t.ok(documented, `${call.method} ${call.path} (${client.file}:${call.line}) is in org-api.yaml`);
  }
  for (const op of api.operations) {
    const called = calls.some((call) => op.method === call.method && pathMatches(op.path, call.path));
    t.ok(called, `${op.operationId} (${op.method} ${op.path}) is called by the client`);
  }

  // The transport the document describes: Named Credential, user header, JSON, 10 s.
  t.match(client.source, /'callout:Slotwise_Service'/, 'calls go through the Named Credential');
  t.match(client.source, /setHeader\('X-Slotwise-User-Id',\s*UserInfo\.getUserId\(\)\)/, 'sends the running user');
  t.match(client.source, /TIMEOUT_MS\s*=\s*10000;/, '10 second timeout');
  t.match(client.source, /setTimeout\(TIMEOUT_MS\)/, 'timeout applied');
  t.notMatch(
    client.source,
    /setHeader\(\s*'X-Slotwise-Api-Key'/i,
    'the API key comes from the credential, never from Apex',
  );
});

javaTest(t, 'apex-ls semantic check over force-app', async (t) => {
  const issues = blockingIssues(await runApexLs(ROOT));
  t.equal(issues.map(formatIssue).join('\n'), '', 'no unknown types, fields or methods');
});

javaTest(t, 'PMD Apex security rules report no violation', async (t) => {
  const result = await runPmd(listClasses(CLASSES));
  t.same(result.processingErrors, [], 'PMD read every class');
  t.equal(result.violations.map((v) => formatViolation(v, ROOT)).join('\n'), '', 'no violations');
});

t.test('the checks catch breakage (on a temporary copy)', async (t) => {
  const copy = await copyWorkspace();
  t.teardown(copy.remove);
  const agenda = path.join(copy.classes, 'SlotwiseAgendaController.cls');
  const book = path.join(copy.classes, 'SlotwiseBookController.cls');
  const sms = path.join(copy.classes, 'SlotwiseSmsController.cls');

  await editOnce(agenda, 'public with sharing class SlotwiseAgendaController', 'public class SlotwiseAgendaController');
  await editOnce(
    book,
    'public with sharing class SlotwiseBookController {',
    `public with sharing class SlotwiseBookController {
    public static List<Contact> findByName(String name) {
        return Database.query('SELECT Id FROM Contact WHERE Name = \\'' + name + '\\'');
    }
`,
  );
  await editOnce(
    sms,
    'public with sharing class SlotwiseSmsController {',
    `public with sharing class SlotwiseSmsController {
    private static final Schema.SObjectField BROKEN = Slotwise_Appointment__c.No_Such_Field__c;
    private static Integer brokenQuery() {
        return [SELECT COUNT() FROM Slotwise_Appointment__c WHERE Bogus__c = NULL WITH USER_MODE];
    }
`,
  );
  const parsed = listClasses(copy.classes).map((file) => parseApexFile(file, copy.dir));
  const copied = (name: string) => parsed.find((f) => path.basename(f.file) === name)!;

  t.test('source scan', async (t) => {
    t.same(parsed.flatMap((f) => f.syntaxErrors).map(formatFinding), [], 'the broken copy still parses');
    t.match(lines(scanSecurity(copied('SlotwiseAgendaController.cls')).sharing), /does not declare with sharing/);
    t.match(
      lines(scanSecurity(copied('SlotwiseBookController.cls')).userMode),
      /SlotwiseBookController\.cls:\d+:\d+ database\.query without AccessLevel\.USER_MODE/,
    );
    t.match(
      lines(checkSoqlFields(copied('SlotwiseSmsController.cls'), loadSchema(SOURCE, ROOT))),
      /unknown field Bogus__c on Slotwise_Appointment__c/,
    );
  });

  javaTest(t, 'PMD', async (t) => {
    const { violations } = await runPmd(listClasses(copy.classes));
    const found = (rule: string, file: string) =>
      violations.some((v) => v.rule === rule && path.basename(v.file) === path.basename(file));
    t.ok(found('ApexSharingViolations', agenda), 'ApexSharingViolations on the class without sharing');
    t.ok(found('ApexSOQLInjection', book), 'ApexSOQLInjection on the concatenated query');
  });

  javaTest(t, 'apex-ls', async (t) => {
    const issues = blockingIssues(await runApexLs(copy.dir));
    t.match(
      issues.map(formatIssue).join('\n'),
      /SlotwiseSmsController\.cls:\d+:\d+ \[Missing\] Unknown field 'No_Such_Field__c'/,
    );
  });
});
