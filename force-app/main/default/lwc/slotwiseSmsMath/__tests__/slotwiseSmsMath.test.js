import { analyzeSms, renderTemplate, GSM7_BASIC_CHARACTERS, GSM7_EXTENSION_CHARACTERS } from 'c/slotwiseSmsMath';
// Shared with the service's template tests (test/sms/template.test.ts): both sides must agree on it.
import templates from '../../../../../../test/fixtures/sms-templates.json';

const repeat = (text, times) => text.repeat(times);

describe('c/slotwiseSmsMath analyzeSms', () => {
  it('treats empty, null and undefined as an empty GSM-7 message with no segments', () => {
    const empty = { characters: 0, encoding: 'GSM-7', segments: 0, perSegment: 160 };
    expect(analyzeSms('')).toEqual(empty);
    expect(analyzeSms(null)).toEqual(empty);
    expect(analyzeSms(undefined)).toEqual(empty);
  });

  it('has the 127 basic and 10 extension characters of GSM 03.38', () => {
    expect(new Set(GSM7_BASIC_CHARACTERS).size).toBe(127);
    expect(new Set(GSM7_EXTENSION_CHARACTERS).size).toBe(10);
    expect(analyzeSms(GSM7_BASIC_CHARACTERS)).toEqual({
      characters: 127,
      encoding: 'GSM-7',
      segments: 1,
      perSegment: 160,
    });
  });

  it('counts a short plain message', () => {
    expect(analyzeSms('Hello')).toEqual({ characters: 5, encoding: 'GSM-7', segments: 1, perSegment: 160 });
  });

  it('fits exactly 160 GSM-7 characters in one segment', () => {
    expect(analyzeSms(repeat('a', 160))).toEqual({
      characters: 160,
      encoding: 'GSM-7',
      segments: 1,
      perSegment: 160,
    });
  });

  it('splits 161 GSM-7 characters into two segments of 153', () => {
    expect(analyzeSms(repeat('a', 161))).toEqual({
      characters: 161,
      encoding: 'GSM-7',
      segments: 2,
      perSegment: 153,
    });
  });

  it('uses three segments from 307 GSM-7 characters', () => {
    expect(analyzeSms(repeat('a', 306)).segments).toBe(2);
    expect(analyzeSms(repeat('a', 307)).segments).toBe(3);
    expect(analyzeSms(repeat('a', 459)).segments).toBe(3);
    expect(analyzeSms(repeat('a', 460)).segments).toBe(4);
  });

  it('counts each extension character twice', () => {
    for (const character of GSM7_EXTENSION_CHARACTERS) {
      expect(analyzeSms(character)).toEqual({ characters: 2, encoding: 'GSM-7', segments: 1, perSegment: 160 });
    }
    // 'Hi ' 3 + '{' 2 + 'FirstName' 9 + '}' 2 + ' €5' (1 + 2 + 1)
    expect(analyzeSms('Hi {FirstName} €5').characters).toBe(20);
  });

  it('fits 80 euro signs in one segment but not 81', () => {
    expect(analyzeSms(repeat('€', 80))).toMatchObject({ characters: 160, segments: 1 });
    expect(analyzeSms(repeat('€', 81))).toMatchObject({ characters: 162, segments: 2, perSegment: 153 });
  });

  it('never splits an escape sequence across two parts', () => {
    // 152 + 2 + 152 = 306 septets: two parts of 153 by arithmetic, but the euro sign cannot start
    // in the 153rd septet of the first part, so a third part is needed.
    expect(analyzeSms(repeat('a', 152) + '€' + repeat('a', 152))).toEqual({
      characters: 306,
      encoding: 'GSM-7',
      segments: 3,
      perSegment: 153,
    });
    expect(analyzeSms(repeat('a', 153) + '€' + repeat('a', 151)).segments).toBe(2);
  });

  it('counts newlines, carriage returns and accented GSM-7 letters once', () => {
    expect(analyzeSms('Ça va?\r\nÉté à 9h')).toEqual({
      characters: 16,
      encoding: 'GSM-7',
      segments: 1,
      perSegment: 160,
    });
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    expect(analyzeSms(repeat('a', 100) + 'ç')).toEqual({
      characters: 101,
      encoding: 'UCS-2',
      segments: 2,
      perSegment: 67,
    });
  });

  it('treats curly quotes and backticks as UCS-2', () => {
    expect(analyzeSms('It’s 9:30').encoding).toBe('UCS-2');
    expect(analyzeSms('`code`').encoding).toBe('UCS-2');
    expect(analyzeSms("It's 9:30").encoding).toBe('GSM-7');
  });

  it('fits 70 UCS-2 characters in one segment and splits 71 into parts of 67', () => {
    expect(analyzeSms(repeat('你', 70))).toEqual({ characters: 70, encoding: 'UCS-2', segments: 1, perSegment: 70 });
    expect(analyzeSms(repeat('你', 71))).toEqual({ characters: 71, encoding: 'UCS-2', segments: 2, perSegment: 67 });
    expect(analyzeSms(repeat('你', 134)).segments).toBe(2);
    expect(analyzeSms(repeat('你', 135)).segments).toBe(3);
  });

  it('counts an emoji as two UTF-16 code units', () => {
    expect(analyzeSms('😀')).toEqual({ characters: 2, encoding: 'UCS-2', segments: 1, perSegment: 70 });
    expect(analyzeSms('See you 👍')).toEqual({ characters: 10, encoding: 'UCS-2', segments: 1, perSegment: 70 });
    expect(analyzeSms(repeat('😀', 35))).toMatchObject({ characters: 70, segments: 1 });
    expect(analyzeSms(repeat('😀', 36))).toMatchObject({ characters: 72, segments: 2, perSegment: 67 });
  });

  it('never splits a surrogate pair across two parts', () => {
    // 66 + 2 + 66 = 134 units: two parts of 67 by arithmetic, but the emoji would straddle them.
    expect(analyzeSms(repeat('ą', 66) + '😀' + repeat('ą', 66))).toEqual({
      characters: 134,
      encoding: 'UCS-2',
      segments: 3,
      perSegment: 67,
    });
    expect(analyzeSms(repeat('ą', 67) + '😀' + repeat('ą', 65)).segments).toBe(2);
  });

  it('counts extension characters once in a UCS-2 message', () => {
    expect(analyzeSms('{€}ą')).toEqual({ characters: 4, encoding: 'UCS-2', segments: 1, perSegment: 70 });
  });

  it('accepts non-string input', () => {
    expect(analyzeSms(12345)).toMatchObject({ characters: 5, encoding: 'GSM-7' });
  });
});

describe('c/slotwiseSmsMath renderTemplate', () => {
  it('fills known merge fields and leaves unknown ones', () => {
    expect(renderTemplate('Hi {FirstName}, see you at {Time}. {Unknown}', { FirstName: 'Alex', Time: '09:30' })).toBe(
      'Hi Alex, see you at 09:30. {Unknown}',
    );
  });

  it('fills repeated merge fields and handles empty templates', () => {
    expect(renderTemplate('{Type} {Type}', { Type: 'Consultation' })).toBe('Consultation Consultation');
    expect(renderTemplate(undefined, {})).toBe('');
  });

  // The service refuses these templates; the preview must keep the offending brace in sight so
  // the admin sees what the service will refuse, and must leave none in a template it accepts.
  const SAMPLES = {
    FirstName: 'Alex',
    Time: '09:30',
    Type: 'Check-up',
    Resource: 'Dr Ng',
    OrgName: 'Clinic',
    ManageLink: 'https://x.test/m',
  };

  it.each(templates.valid)('leaves no brace in the valid template %j', (template) => {
    expect(renderTemplate(template, SAMPLES)).not.toMatch(/[{}]/);
  });

  it.each(templates.invalid.map((c) => c.template))('keeps a brace visible in the invalid template %j', (template) => {
    expect(renderTemplate(template, SAMPLES)).toMatch(/[{}]/);
  });
});
