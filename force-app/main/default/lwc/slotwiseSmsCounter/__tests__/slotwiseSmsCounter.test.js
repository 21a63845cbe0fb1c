import SlotwiseSmsCounter from 'c/slotwiseSmsCounter';
import { mount, resetDom } from 'jest-utils';

// Labels resolve to their names in Jest; give the counter labels real text with placeholders.
jest.mock('@salesforce/label/c.Slotwise_Sms_Characters', () => ({ default: '{0} characters' }), { virtual: true });
jest.mock(
  '@salesforce/label/c.Slotwise_Sms_Segments',
  () => ({ default: 'Encoding: {0}. Segments: {1} (up to {2} characters each).' }),
  { virtual: true },
);

function createCounter(text) {
  return mount('c-slotwise-sms-counter', SlotwiseSmsCounter, { text });
}

const textOf = (element, selector) => element.shadowRoot.querySelector(selector).textContent;

describe('c-slotwise-sms-counter', () => {
  afterEach(() => {
    resetDom();
  });

  it('shows characters, encoding and segments of a GSM-7 message', async () => {
    const element = createCounter('Hi {FirstName}');
    await expect(element).toBeAccessible();
    expect(textOf(element, '.characters')).toBe('16 characters');
    expect(textOf(element, '.segments')).toBe('Encoding: GSM-7. Segments: 1 (up to 160 characters each).');
    expect(element.shadowRoot.querySelector('.ucs2-note')).toBeNull();
  });

  it('updates when the text changes and explains UCS-2', async () => {
    const element = createCounter('a'.repeat(161));
    expect(textOf(element, '.segments')).toBe('Encoding: GSM-7. Segments: 2 (up to 153 characters each).');

    element.text = 'See you 👍';
    await Promise.resolve();
    expect(textOf(element, '.characters')).toBe('10 characters');
    expect(textOf(element, '.segments')).toBe('Encoding: UCS-2. Segments: 1 (up to 70 characters each).');
    expect(textOf(element, '.ucs2-note')).toBe('c.Slotwise_Sms_Ucs2_Note');
    await expect(element).toBeAccessible();
  });

  it('announces only the segment line', () => {
    const element = createCounter('');
    const live = element.shadowRoot.querySelector('[aria-live="polite"]');
    expect(live.querySelector('.segments')).not.toBeNull();
    expect(live.querySelector('.characters')).toBeNull();
    expect(textOf(element, '.characters')).toBe('0 characters');
  });
});
