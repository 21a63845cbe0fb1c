import { refreshApex } from '@salesforce/apex';
import SlotwiseSetupConsole from 'c/slotwiseSetupConsole';
import getStatus from '@salesforce/apex/SlotwiseSetupController.getStatus';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';
import { flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getStatus', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getSetup', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getCredits', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getPurchaseLink', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.saveRecord', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SlotwiseSetupController.deleteRecord', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });
jest.mock('@salesforce/customPermission/Slotwise_Buy_Credits', () => ({ default: true }), { virtual: true });

const SETUP = require('./data/getSetup.json');
const STATUS = { connected: true, reachable: true, lastSync: '2025-03-10T09:00:00Z', outboxDepth: 0, apiCallsUsed: 5 };

function createConsole() {
  return mount('c-slotwise-setup-console', SlotwiseSetupConsole);
}

const section = (element, className) => element.shadowRoot.querySelector(`c-slotwise-record-section.${className}`);

describe('c-slotwise-setup-console', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows loading until the setup arrives', async () => {
    const element = createConsole();
    expect(element.shadowRoot.querySelector('.loading')).not.toBeNull();
    expect(section(element, 'types')).toBeNull();
    // The connection and credits tabs do not wait for the setup.
    expect(element.shadowRoot.querySelector('c-slotwise-connection-status')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-slotwise-credits')).not.toBeNull();
    await expect(element).toBeAccessible();
  });

  it('passes status and setup data to the sections', async () => {
    const element = createConsole();
    getStatus.emit(STATUS);
    getSetup.emit(SETUP);
    await flushPromises();

    expect(element.shadowRoot.querySelector('.loading')).toBeNull();
    expect(element.shadowRoot.querySelector('c-slotwise-connection-status').status).toEqual(STATUS);
    expect(section(element, 'types').records).toEqual(SETUP.types);
    expect(section(element, 'resources').records).toEqual(SETUP.resources);
    expect(section(element, 'resource-types').records).toEqual(SETUP.resourceTypes);
    expect(section(element, 'rules').records).toEqual(SETUP.rules);
    expect(section(element, 'exceptions').records).toEqual(SETUP.exceptions);
    expect(section(element, 'reminder-rules').records).toEqual(SETUP.reminderRules);
    expect(section(element, 'reminder-rules').objectApiName).toBe('Slotwise_Reminder_Rule__c');

    // Lookups are chosen from the loaded records.
    const resourceField = section(element, 'rules').fields.find((field) => field.name === 'Resource__c');
    expect(resourceField.options).toEqual([
      { value: 'a02000000000001AAA', label: 'Dr Patel' },
      { value: 'a02000000000002AAA', label: 'Room 1' },
    ]);
    const typeField = section(element, 'reminder-rules').fields.find((field) => field.name === 'Appointment_Type__c');
    expect(typeField.options.map((option) => option.value)).toEqual(['', 'a01000000000001AAA']);

    const bookingPage = element.shadowRoot.querySelector('c-slotwise-booking-page-settings');
    expect(bookingPage.bookingPage).toEqual(SETUP.bookingPage);
    expect(bookingPage.serviceUrl).toBe('https://slotwise.example.com');

    // Every tab is labelled.
    element.shadowRoot.querySelectorAll('lightning-tab').forEach((tab) => expect(tab.label).toBeTruthy());
    expect(element.shadowRoot.querySelectorAll('lightning-tab')).toHaveLength(7);
    await expect(element).toBeAccessible();
  });

  it('shows the error when the setup cannot be loaded', async () => {
    const element = createConsole();
    getSetup.error({ message: 'You do not have the Slotwise Manage Settings permission' });
    await flushPromises();
    expect(element.shadowRoot.querySelector('.error').textContent).toBe(
      'You do not have the Slotwise Manage Settings permission',
    );
    expect(section(element, 'types')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('refreshes the setup and status after a change', async () => {
    const element = createConsole();
    getSetup.emit(SETUP);
    await flushPromises();

    section(element, 'reminder-rules').dispatchEvent(new CustomEvent('datachange'));
    await flushPromises();
    expect(refreshApex).toHaveBeenCalledTimes(2);

    element.shadowRoot.querySelector('c-slotwise-booking-page-settings').dispatchEvent(new CustomEvent('datachange'));
    expect(refreshApex).toHaveBeenCalledTimes(4);
  });

  it('refreshes the status on request', () => {
    const element = createConsole();
    element.shadowRoot.querySelector('c-slotwise-connection-status').dispatchEvent(new CustomEvent('refresh'));
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });
});
