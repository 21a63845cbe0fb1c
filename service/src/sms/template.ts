import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * The merge fields a reminder template may use: the package's own (Slotwise_Reminder_Rule__c.Template__c
 * and the admin preview in the slotwiseSmsMath LWC), written in single braces: `{FirstName}`.
 */
export const MERGE_FIELDS = ['FirstName', 'Time', 'Type', 'Resource', 'OrgName', 'ManageLink'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

/** Twilio refuses a body longer than this (code 21617); Template__c holds no more either. */
export const MAX_BODY_CHARACTERS = 1600;

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; field: MergeField };

export interface ParsedTemplate {
  source: string;
  parts: TemplatePart[];
}

export interface TemplateError {
  code: 'unknown_field' | 'empty_field' | 'unclosed_field' | 'unopened_field' | 'too_long';
  /** UTF-16 offset of the problem in the template (for a text field's selection). */
  offset: number;
  /** 1-based position counted in characters as a person sees them (an emoji is one). */
  character: number;
  message: string;
}

export type TemplateValidation = { ok: true; template: ParsedTemplate } | { ok: false; errors: TemplateError[] };

const FIELD_SET: ReadonlySet<string> = new Set(MERGE_FIELDS);

/**
 * Parses `{Field}` merge fields exactly as the package writes them: the name is case-sensitive and
 * has no spaces. Braces only ever mark fields (the admin preview replaces `{Name}` and shows
 * anything else as typed), so every other brace is an error, each reported with its position: an
 * unknown field (`{Date}`, `{ FirstName }`), an empty one (`{}`), a `{` not closed before the next
 * brace, a `}` never opened. A template that parses is one whose admin preview has no brace left.
 */
export function parseTemplate(source: string): TemplateValidation {
  const errors: TemplateError[] = [];
  const parts: TemplatePart[] = [];
  const fail = (code: TemplateError['code'], offset: number, what: string) =>
    errors.push({
      code,
      offset,
      character: characterNumber(source, offset),
      message: `${what} at character ${characterNumber(source, offset)}`,
    });
  let text = '';
  let i = 0;
  while (i < source.length) {
    const character = source[i];
    if (character === '{') {
      const close = nextBrace(source, i + 1);
      if (close === -1 || source[close] === '{') {
        fail('unclosed_field', i, "'{' is not closed by '}'");
        i += 1;
        continue;
      }
      const name = source.slice(i + 1, close);
      if (name === '') fail('empty_field', i, 'empty merge field {}');
      else if (!FIELD_SET.has(name)) fail('unknown_field', i, `unknown merge field {${name}}`);
      else {
        if (text) parts.push({ kind: 'text', text });
        text = '';
        parts.push({ kind: 'field', field: name as MergeField });
      }
      i = close + 1;
    } else if (character === '}') {
      fail('unopened_field', i, "'}' without an opening '{'");
      i += 1;
    } else {
      text += character;
      i += 1;
    }
  }
  if (text) parts.push({ kind: 'text', text });
  if (source.length > MAX_BODY_CHARACTERS) {
    fail('too_long', MAX_BODY_CHARACTERS, `longer than ${MAX_BODY_CHARACTERS} characters`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, template: { source, parts } };
}

function nextBrace(source: string, from: number): number {
  for (let i = from; i < source.length; i++) if (source[i] === '{' || source[i] === '}') return i;
  return -1;
}

export interface MergeValues {
  firstName: string;
  /** The appointment's start and the IANA zone it is shown in (the appointment's, not the server's). */
  appointmentStart: Date;
  timeZone: string;
  appointmentType: string;
  resource: string;
  orgName: string;
  manageLink: string;
}

/** The message text: fields replaced by their values, each value flattened to one line. */
export function renderTemplate(template: ParsedTemplate, values: MergeValues): string {
  return template.parts.map((part) => (part.kind === 'text' ? part.text : fieldValue(part.field, values))).join('');
}

function fieldValue(field: MergeField, values: MergeValues): string {
  switch (field) {
    case 'FirstName':
      return oneLine(values.firstName);
    case 'Time':
      return formatAppointmentTime(values.appointmentStart, values.timeZone);
    case 'Type':
      return oneLine(values.appointmentType);
    case 'Resource':
      return oneLine(values.resource);
    case 'OrgName':
      return oneLine(values.orgName);
    case 'ManageLink':
      return oneLine(values.manageLink);
  }
}

// Record values come from the org; a newline or other control character in a name must not reshape the message.
function oneLine(value: string): string {
  return value.replace(/\p{Cc}+/gu, ' ').trim();
}

/** "Tue 24 Nov, 9:30 AM GMT": the time in `timeZone`, with that zone's abbreviation on that date. */
export function formatAppointmentTime(start: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
  }).formatToParts(start);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')}, ${part('hour')}:${part('minute')} ${part('dayPeriod').toUpperCase()} ${zoneAbbreviation(start, timeZone)}`;
}

// Each English locale knows the abbreviations of its own region only (en-US: EST, en-GB: BST,
// en-AU: AEST, en-IN: IST); the first that names the zone wins, else the offset ("GMT+9").
const ABBREVIATION_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-NZ'];

export function zoneAbbreviation(at: Date, timeZone: string): string {
  let fallback = '';
  for (const locale of ABBREVIATION_LOCALES) {
    const name =
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
    fallback ||= name;
  }
  return fallback;
}

export interface SegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  /** Characters as a person counts them (an emoji with a skin tone is one). */
  characters: number;
  /** What the segment limits count: GSM-7 septets (an extension character such as € is 2) or UCS-2 code units (an emoji is 2). */
  units: number;
  /** Message parts billed: one up to 160 GSM-7 / 70 UCS-2 units, else parts of 153 / 67. One credit each. */
  segments: number;
}

/** Encoding, length and segments as Twilio counts them (sms-segments-calculator, Twilio's own calculator). */
export function segmentInfo(text: string): SegmentInfo {
  const message = new SegmentedMessage(text);
  const bitsPerUnit = message.encodingName === 'GSM-7' ? 7 : 16;
  return {
    encoding: message.encodingName,
    characters: message.graphemes.length,
    units: message.messageSize / bitsPerUnit,
    segments: text === '' ? 0 : message.segmentsCount,
  };
}

function characterNumber(source: string, offset: number): number {
  return [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(source.slice(0, offset))].length + 1;
}
