import SlotwiseSmsHistory from 'c/slotwiseSmsHistory';
import getHistory from '@salesforce/apex/SlotwiseSmsController.getHistory';
import { mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSmsController.getHistory', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSmsController.send', () => ({ default: jest.fn() }), { virtual: true });
// The user lacks the Slotwise_Send_SMS custom permission.
jest.mock('@salesforce/customPermission/Slotwise_Send_SMS', () => ({ default: undefined }), { virtual: true });

const HISTORY = require('./data/getHistory.json');

describe('c-slotwise-sms-history (without Send SMS)', () => {
  afterEach(() => {
    resetDom();
  });

  it('shows the history but no send box', async () => {
    const element = mount('c-slotwise-sms-history', SlotwiseSmsHistory, { recordId: '00Q000000000001AAA' });
    getHistory.emit(HISTORY);
    await Promise.resolve();

    expect(element.shadowRoot.querySelectorAll('tbody tr')).toHaveLength(4);
    expect(element.shadowRoot.querySelector('.send-box')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-textarea')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-button.send')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
