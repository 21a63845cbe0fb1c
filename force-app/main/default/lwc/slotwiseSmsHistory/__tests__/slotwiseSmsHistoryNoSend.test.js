import { createElement } from 'lwc';
import SlotwiseSmsHistory from 'c/slotwiseSmsHistory';
import getHistory from '@salesforce/apex/SlotwiseSmsController.getHistory';

jest.mock(
  '@salesforce/apex/SlotwiseSmsController.getHistory',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock('@salesforce/apex/SlotwiseSmsController.send', () => ({ default: jest.fn() }), { virtual: true });
// The user lacks the Slotwise_Send_SMS custom permission.
jest.mock('@salesforce/customPermission/Slotwise_Send_SMS', () => ({ default: undefined }), { virtual: true });

const HISTORY = require('./data/getHistory.json');

describe('c-slotwise-sms-history (without Send SMS)', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('shows the history but no send box', async () => {
    const element = createElement('c-slotwise-sms-history', { is: SlotwiseSmsHistory });
    element.recordId = '00Q000000000001AAA';
    document.body.appendChild(element);
    getHistory.emit(HISTORY);
    await Promise.resolve();

    expect(element.shadowRoot.querySelectorAll('tbody tr')).toHaveLength(4);
    expect(element.shadowRoot.querySelector('.send-box')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-textarea')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-button.send')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
