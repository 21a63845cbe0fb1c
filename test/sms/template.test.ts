import t from 'tap';
import {
  formatAppointmentTime,
  MERGE_FIELDS,
  parseTemplate,
  renderTemplate,
  segmentInfo,
  type MergeValues,
  type ParsedTemplate,
} from '../../service/src/sms/template.ts';

const values: MergeValues = {
  firstName: 'Ana',
  appointmentStart: new Date('2026-11-24T09:30:00Z'),
  timeZone: 'Europe/London',
  appointmentType: 'Check-up',
  resource: 'Dr Okafor',
  orgName: 'Riverside Clinic',
  manageLink: 'https://book.example.com/m/abc',
};

function parsed(source: string): ParsedTemplate {
  const result = parseTemplate(source);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.template;
}

t.test('every merge field renders', async (t) => {
  const template = parsed(MERGE_FIELDS.map((field) => `{{${field}}}`).join('|'));
  t.equal(
    renderTemplate(template, values),
    'Ana|Tue 24 Nov, 9:30 AM GMT|Check-up|Dr Okafor|Riverside Clinic|https://book.example.com/m/abc',
  );
  t.equal(renderTemplate(parsed('Hi {{ first_name }}!'), values), 'Hi Ana!', 'spaces inside braces are allowed');
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
  const result = parseTemplate('Hi {{first_name}}, {{last_name}} {{}}');
  t.same(!result.ok && result.errors.map((e) => [e.code, e.offset, e.character]), [
    ['unknown_field', 19, 20],
    ['empty_field', 33, 34],
  ]);
  t.match(!result.ok && result.errors[0]?.message, 'unknown merge field {{last_name}} at character 20');
  t.equal(parseTemplate('{{First_Name}}').ok, false, 'names are exact');
});

t.test('unbalanced braces are errors', async (t) => {
  const codes = (source: string) => {
    const result = parseTemplate(source);
    return result.ok ? [] : result.errors.map((e) => [e.code, e.offset]);
  };
  t.same(codes('Hi {{first_name'), [['unclosed_field', 3]]);
  t.same(codes('Hi first_name}}'), [['unopened_field', 13]]);
  t.same(codes('Hi {first_name}'), [
    ['stray_brace', 3],
    ['stray_brace', 14],
  ]);
  t.same(codes('{{{first_name}}}'), [
    ['unclosed_field', 0],
    ['stray_brace', 2],
    ['unopened_field', 13],
    ['stray_brace', 15],
  ]);
  t.same(codes('{{first_name {{org_name}}'), [['unclosed_field', 0]]);
});

t.test('positions count characters as people see them, in any script', async (t) => {
  const result = parseTemplate('👋🏽 שלום {{nom}}');
  t.equal(result.ok, false);
  if (result.ok) return;
  t.equal(result.errors[0]?.offset, 10, 'UTF-16 offset');
  t.equal(result.errors[0]?.character, 8, 'the 8th character: 👋🏽 is one');
  const rtl = parsed('שלום {{first_name}}, התור שלך ב-{{appointment_time}}');
  t.equal(renderTemplate(rtl, { ...values, firstName: 'דנה' }), 'שלום דנה, התור שלך ב-Tue 24 Nov, 9:30 AM GMT');
});

t.test('values cannot reshape the message', async (t) => {
  const text = renderTemplate(parsed('Hi {{first_name}}.'), { ...values, firstName: ' Ana\n\r\u0007{{org_name}} ' });
  t.equal(text, 'Hi Ana {{org_name}}.', 'control characters flattened; braces in a value stay text');
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
