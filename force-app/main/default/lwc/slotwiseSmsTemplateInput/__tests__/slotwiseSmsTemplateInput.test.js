import SlotwiseSmsTemplateInput from 'c/slotwiseSmsTemplateInput';
import { mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/label/c.Slotwise_Sample_First_Name', () => ({ default: 'Alex' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Sample_Time', () => ({ default: 'Tue 14 Oct, 09:30' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Sms_Characters', () => ({ default: '{0} characters' }), { virtual: true });

function createInput(value) {
  return mount('c-slotwise-sms-template-input', SlotwiseSmsTemplateInput, {
    label: 'Template',
    required: true,
    maxLength: 1600,
    value,
  });
}

function type(element, value) {
  const textarea = element.shadowRoot.querySelector('lightning-textarea');
  textarea.value = value;
  textarea.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  return Promise.resolve();
}

describe('c-slotwise-sms-template-input', () => {
  afterEach(() => {
    resetDom();
  });

  it('renders a labelled textarea with the preview of the current template', async () => {
    const element = createInput('Hi {FirstName}, see you {Time}.');
    const textarea = element.shadowRoot.querySelector('lightning-textarea');
    expect(textarea.label).toBe('Template');
    expect(textarea.required).toBe(true);
    expect(textarea.maxLength).toBe(1600);
    expect(element.shadowRoot.querySelector('.preview').textContent).toBe('Hi Alex, see you Tue 14 Oct, 09:30.');
    await expect(element).toBeAccessible();
  });

  it('updates the preview and counter as the admin types, and fires change', async () => {
    const element = createInput('');
    const handler = jest.fn();
    element.addEventListener('change', handler);

    await type(element, 'Hello {FirstName} 👋');

    expect(element.shadowRoot.querySelector('.preview').textContent).toBe('Hello Alex 👋');
    const counter = element.shadowRoot.querySelector('c-slotwise-sms-counter');
    expect(counter.text).toBe('Hello Alex 👋');
    expect(counter.shadowRoot.querySelector('.characters').textContent).toBe('13 characters');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail).toEqual({ value: 'Hello {FirstName} 👋' });
    expect(element.value).toBe('Hello {FirstName} 👋');
  });

  it('reports validity through the textarea', () => {
    const element = createInput('');
    const textarea = element.shadowRoot.querySelector('lightning-textarea');
    textarea.reportValidity = jest.fn(() => false);
    expect(element.reportValidity()).toBe(false);
    expect(textarea.reportValidity).toHaveBeenCalled();
  });
});
