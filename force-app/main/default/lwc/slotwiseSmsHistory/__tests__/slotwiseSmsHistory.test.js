import { refreshApex } from '@salesforce/apex';
import SlotwiseSmsHistory from 'c/slotwiseSmsHistory';
import getHistory from '@salesforce/apex/SlotwiseSmsController.getHistory';
import send from '@salesforce/apex/SlotwiseSmsController.send';
import { $, $$, flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSmsController.getHistory', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSmsController.send', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });
jest.mock('@salesforce/customPermission/Slotwise_Send_SMS', () => ({ default: true }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Sms_Characters', () => ({ default: '{0} characters' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Sms_Sent_Segments', () => ({ default: 'Segments: {0}' }), { virtual: true });

const HISTORY = require('./data/getHistory.json');
const CONTACT_ID = '003000000000001AAA';

function createHistory() {
  return mount('c-slotwise-sms-history', SlotwiseSmsHistory, { recordId: CONTACT_ID });
}

async function type(element, value) {
  const textarea = $(element, 'lightning-textarea.body');
  textarea.value = value;
  textarea.reportValidity = jest.fn(() => true);
  textarea.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

describe('c-slotwise-sms-history (with Send SMS)', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('loads the history of the record', async () => {
    const element = createHistory();
    await flushPromises();
    expect(getHistory.getLastConfig()).toEqual({ recordId: CONTACT_ID });
    expect($(element, '.loading')).not.toBeNull();

    getHistory.emit(HISTORY);
    await flushPromises();

    const rows = $$(element, 'tbody tr');
    expect(rows).toHaveLength(4);
    expect(rows[0].querySelector('lightning-formatted-date-time').value).toBe('2025-03-09T09:00:00.000Z');
    expect(rows[0].querySelector('.direction').textContent).toBe('c.Slotwise_Sms_Outbound');
    expect(rows[1].querySelector('.direction').textContent).toBe('c.Slotwise_Sms_Inbound');
    expect(rows[0].querySelector('.number').textContent).toBe('+44•••••••123');
    expect(rows[0].querySelector('.status').textContent).toBe('Delivered');
    expect(rows[2].querySelector('.status').textContent).toBe('Failed (21610)');
    expect(rows[2].querySelector('.segments').textContent).toBe('2');
    // Still queued: no Sent_At__c, so the creation time is shown.
    expect(rows[3].querySelector('lightning-formatted-date-time').value).toBe('2025-03-10T10:00:00.000Z');
    expect($(element, '.loading')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('says when there are no messages, or why they could not be loaded', async () => {
    const element = createHistory();
    getHistory.emit([]);
    await flushPromises();
    expect($(element, '.empty').textContent).toBe('c.Slotwise_Sms_No_Messages');
    expect($(element, 'table')).toBeNull();

    getHistory.error({ message: 'Insufficient access to Slotwise_SMS_Message__c' });
    await flushPromises();
    expect($(element, '.error').textContent).toBe('Insufficient access to Slotwise_SMS_Message__c');
    await expect(element).toBeAccessible();
  });

  it('shows the send box with a live counter', async () => {
    const element = createHistory();
    getHistory.emit(HISTORY);
    await flushPromises();

    expect($(element, 'lightning-textarea.body').label).toBe('c.Slotwise_Sms_Message');
    expect($(element, 'lightning-button.send').disabled).toBe(true);

    await type(element, 'Running 10 minutes late, sorry! 🙏');
    const counter = $(element, 'c-slotwise-sms-counter');
    expect(counter.text).toBe('Running 10 minutes late, sorry! 🙏');
    expect(counter.shadowRoot.querySelector('.characters').textContent).toBe('34 characters');
    expect(counter.shadowRoot.querySelector('.ucs2-note')).not.toBeNull();
    expect($(element, 'lightning-button.send').disabled).toBe(false);
    await expect(element).toBeAccessible();
  });

  it('does not send a blank message', async () => {
    const element = createHistory();
    await type(element, '   ');
    expect($(element, 'lightning-button.send').disabled).toBe(true);
    $(element, 'lightning-button.send').click();
    await flushPromises();
    expect(send).not.toHaveBeenCalled();
  });

  it('sends, toasts, clears the box and refreshes the history', async () => {
    send.mockResolvedValue({ messageId: 'msg_1', status: 'queued', segments: 1 });
    const element = createHistory();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    getHistory.emit(HISTORY);
    await flushPromises();

    await type(element, 'See you tomorrow at 9:30');
    $(element, 'lightning-button.send').click();
    await flushPromises();

    expect(send).toHaveBeenCalledWith({ recordId: CONTACT_ID, body: 'See you tomorrow at 9:30' });
    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'c.Slotwise_Sms_Sent',
      message: 'Segments: 1',
      variant: 'success',
    });
    expect($(element, 'lightning-textarea.body').value).toBe('');
    expect($(element, '.send-status').textContent).toBe('c.Slotwise_Sms_Sent');
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });

  it('keeps the message and toasts when sending fails', async () => {
    send.mockRejectedValue({ body: { message: 'Slotwise is busy right now. Try again in a minute.' } });
    const element = createHistory();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);

    await type(element, 'Hello');
    $(element, 'lightning-button.send').click();
    await flushPromises();

    expect(toast.mock.calls[0][0].detail).toMatchObject({
      variant: 'error',
      message: 'Slotwise is busy right now. Try again in a minute.',
    });
    expect($(element, 'lightning-textarea.body').value).toBe('Hello');
    expect($(element, '.send-status').textContent).toBe('Slotwise is busy right now. Try again in a minute.');
    expect($(element, 'lightning-button.send').disabled).toBe(false);
    expect(refreshApex).not.toHaveBeenCalled();
  });

  it('refreshes on request', () => {
    const element = createHistory();
    $(element, 'lightning-button-icon.refresh').click();
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });
});
