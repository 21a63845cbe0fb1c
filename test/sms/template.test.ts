import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import {
  formatAppointmentTime,
  MERGE_FIELDS,
  parseTemplate,
  renderTemplate,
  segmentInfo,
  type MergeField,
  type MergeValues,
  type ParsedTemplate,
} from '../../service/src/sms/template.ts';
import fixture from '../fixtures/sms-templates.json' with { type: 'json' };

const root = join(import.meta.dirname, '..', '..');

// The admin preview's module is plain JS with no LWC imports, so the service's tests load the very file the org runs.
const lwc = (await import(
  pathToFileURL(join(root, 'force-app/main/default/lwc/slotwiseSmsMath/slotwiseSmsMath.js')).href
)) as { renderTemplate: (template: string, values: Record<string, string>) => string };

const values: MergeValues = {
  firstName: 'Ana',
  appointmentStart: new Date('2026-11-24T09:30:00Z'),
  timeZone: 'Europe/London',
  appointmentType: 'Check-up',
  resource: 'Dr Okafor',
  orgName: 'Riverside Clinic',
  manageLink: 'https://book.example.com/m/abc',
};

// The same values keyed as the LWC preview keys them.
const lwcValues: Record<MergeField, string> = {
  FirstName: values.firstName,
  Time: formatAppointmentTime(values.appointmentStart, values.timeZone),
  Type: values.appointmentType,
  Resource: values.resource,
  OrgName: values.orgName,
  ManageLink: values.manageLink,
};

function parsed(source: string): ParsedTemplate {
  const result = parseTemplate(source);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.template;
}

function errorCodes(source: string): [string, number][] {
  const result = parseTemplate(source);
  return result.ok ? [] : result.errors.map((e) => [e.code, e.offset]);
}

t.test('every merge field renders', async (t) => {
  t.same(MERGE_FIELDS, ['FirstName', 'Time', 'Type', 'Resource', 'OrgName', 'ManageLink']);
  const template = parsed(MERGE_FIELDS.map((field) => `{${field}}`).join('|'));
  t.equal(
    renderTemplate(template, values),
    'Ana|Tue 24 Nov, 9:30 AM GMT|Check-up|Dr Okafor|Riverside Clinic|https://book.example.com/m/abc',
  );
});

t.test('every field the package documents is a field here', async (t) => {
  const meta = readFileSync(
    join(root, 'force-app/main/default/objects/Slotwise_Reminder_Rule__c/fields/Template__c.field-meta.xml'),
    'utf8',
  );
  const description = /<description>(.*)<\/description>/.exec(meta)?.[1] ?? '';
  const documented = [...description.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  t.same(documented, MERGE_FIELDS);
});

t.test('every demo reminder template parses', async (t) => {
  const dir = join(root, 'config/demo-data');
  const templates = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { records?: { Template__c?: unknown }[] };
      return (data.records ?? []).map((r) => r.Template__c).filter((v): v is string => typeof v === 'string');
    });
  t.ok(templates.length >= 2, 'the demo data has reminder templates');
  for (const template of templates) t.same(errorCodes(template), [], template);
});

t.test('the time is in the appointment’s zone with that day’s abbreviation', async (t) => {
  const summer = new Date('2026-07-14T16:05:00Z');
  t.equal(formatAppointmentTime(summer, 'Europe/London'), 'Tue 14 Jul, 5:05 PM BST');
  t.equal(formatAppointmentTime(summer, 'America/New_York'), 'Tue 14 Jul, 12:05 PM EDT');
  t.equal(formatAppointmentTime(values.appointmentStart, 'America/New_York'), 'Tue 24 Nov, 4:30 AM EST');
  t.equal(formatAppointmentTime(summer, 'Europe/Paris'), 'Tue 14 Jul, 6:05 PM CEST');
  t.equal(
    formatAppointmentTime(summer, 'Australia/Sydney'),
    'Wed 15 Jul, 2:05 AM AEST',
    'the date in the zone, not UTC',
  );
  t.equal(formatAppointmentTime(summer, 'Asia/Kolkata'), 'Tue 14 Jul, 9:35 PM IST');
  t.equal(
    formatAppointmentTime(summer, 'Asia/Tokyo'),
    'Wed 15 Jul, 1:05 AM GMT+9',
    'no abbreviation known: the offset',
  );
});

t.test('unknown and empty fields are errors naming their position', async (t) => {
  const result = parseTemplate('Hi {FirstName}, {LastName} {}');
  t.same(!result.ok && result.errors.map((e) => [e.code, e.offset, e.character]), [
    ['unknown_field', 16, 17],
    ['empty_field', 27, 28],
  ]);
  t.match(!result.ok && result.errors[0]?.message, 'unknown merge field {LastName} at character 17');
  t.same(errorCodes('{firstName}'), [['unknown_field', 0]], 'names are exact');
  t.same(errorCodes('{ FirstName }'), [['unknown_field', 0]], 'no spaces inside the braces, as in the preview');
  t.same(
    errorCodes('{{first_name}}'),
    [
      ['unclosed_field', 0],
      ['unknown_field', 1],
      ['unopened_field', 13],
    ],
    'the old double-brace fields are refused',
  );
});

t.test('unbalanced braces are errors', async (t) => {
  t.same(errorCodes('Hi {FirstName'), [['unclosed_field', 3]]);
  t.same(errorCodes('Hi FirstName}'), [['unopened_field', 12]]);
  t.same(errorCodes('{FirstName {OrgName}'), [['unclosed_field', 0]], 'a { is closed only by the next brace');
  t.same(errorCodes('}{'), [
    ['unopened_field', 0],
    ['unclosed_field', 1],
  ]);
});

t.test('the service and the admin preview agree on the shared fixture', async (t) => {
  for (const template of fixture.valid) {
    t.same(errorCodes(template), [], `valid: ${JSON.stringify(template)}`);
    t.equal(renderTemplate(parsed(template), values), lwc.renderTemplate(template, lwcValues), 'same text');
    t.notMatch(lwc.renderTemplate(template, lwcValues), /[{}]/, 'the preview has no brace left');
  }
  for (const { template, errors } of fixture.invalid) {
    t.same(errorCodes(template), errors, `invalid: ${JSON.stringify(template)}`);
    t.match(lwc.renderTemplate(template, lwcValues), /[{}]/, 'the preview shows the offending brace');
  }
});

t.test('property: a template parses exactly when its admin preview has no brace left', async () => {
  const piece = fc.oneof(
    fc.constantFrom(...MERGE_FIELDS.map((f) => `{${f}}`)),
    fc.constantFrom('{', '}', '{}', 'Hi ', ' ', 'First', 'Name', '_', '5', 'é', '👋🏽', '\n'),
    fc.string({ maxLength: 3 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const template = pieces.join('');
      const result = parseTemplate(template);
      const preview = lwc.renderTemplate(template, lwcValues);
      if (result.ok !== !/[{}]/.test(preview)) return false;
      return !result.ok || renderTemplate(result.template, values) === preview;
    }),
  );
});

t.test('positions count characters as people see them, in any script', async (t) => {
  const result = parseTemplate('👋🏽 שלום {Nom}');
  t.equal(result.ok, false);
  if (result.ok) return;
  t.equal(result.errors[0]?.offset, 10, 'UTF-16 offset');
  t.equal(result.errors[0]?.character, 8, 'the 8th character: 👋🏽 is one');
  const rtl = parsed('שלום {FirstName}, התור שלך ב-{Time}');
  t.equal(renderTemplate(rtl, { ...values, firstName: 'דנה' }), 'שלום דנה, התור שלך ב-Tue 24 Nov, 9:30 AM GMT');
});

t.test('values cannot reshape the message', async (t) => {
  const text = renderTemplate(parsed('Hi {FirstName}.'), { ...values, firstName: ' Ana\n\r\u0007{OrgName} ' });
  t.equal(text, 'Hi Ana {OrgName}.', 'control characters flattened; braces in a value stay text');
});

t.test('a template longer than Twilio’s 1600 characters is refused', async (t) => {
  t.equal(parseTemplate('a'.repeat(1600)).ok, true);
  const result = parseTemplate('a'.repeat(1601));
  t.same(!result.ok && result.errors.map((e) => e.code), ['too_long']);
});

t.test('segments: GSM-7 160 / 153', async (t) => {
  t.same(segmentInfo('a'.repeat(160)), { encoding: 'GSM-7', characters: 160, units: 160, segments: 1 });
  t.same(segmentInfo('a'.repeat(161)), { encoding: 'GSM-7', characters: 161, units: 161, segments: 2 });
  t.equal(segmentInfo('a'.repeat(306)).segments, 2);
  t.equal(segmentInfo('a'.repeat(307)).segments, 3);
  t.same(segmentInfo(''), { encoding: 'GSM-7', characters: 0, units: 0, segments: 0 });
});

t.test('segments: extended GSM characters count two', async (t) => {
  t.same(segmentInfo('€'.repeat(80)), { encoding: 'GSM-7', characters: 80, units: 160, segments: 1 });
  t.same(segmentInfo('€'.repeat(81)), { encoding: 'GSM-7', characters: 81, units: 162, segments: 2 });
  t.same(segmentInfo('{}[]~\\|^'), { encoding: 'GSM-7', characters: 8, units: 16, segments: 1 });
  t.equal(segmentInfo('Café à 9h').encoding, 'GSM-7', 'é and à are in the basic set');
});

t.test('segments: UCS-2 70 / 67, emoji and other scripts', async (t) => {
  t.same(segmentInfo('Ж'.repeat(70)), { encoding: 'UCS-2', characters: 70, units: 70, segments: 1 });
  t.same(segmentInfo('Ж'.repeat(71)), { encoding: 'UCS-2', characters: 71, units: 71, segments: 2 });
  t.equal(segmentInfo('Ж'.repeat(134)).segments, 2);
  t.equal(segmentInfo('Ж'.repeat(135)).segments, 3);
  t.same(
    segmentInfo('😀'.repeat(35)),
    { encoding: 'UCS-2', characters: 35, units: 70, segments: 1 },
    'an emoji is two units',
  );
  t.equal(segmentInfo('😀'.repeat(36)).segments, 2);
  t.same(
    segmentInfo('a'.repeat(159) + '👍🏽'),
    { encoding: 'UCS-2', characters: 160, units: 163, segments: 3 },
    'one emoji turns the whole message UCS-2',
  );
  t.same(segmentInfo('שלום'), { encoding: 'UCS-2', characters: 4, units: 4, segments: 1 });
});
