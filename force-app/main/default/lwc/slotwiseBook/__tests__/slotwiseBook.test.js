import { getRecord } from 'lightning/uiRecordApi';
import { getNavigateCalledWith } from 'lightning/navigation';
import { refreshApex } from '@salesforce/apex';
import SlotwiseBook from 'c/slotwiseBook';
import getBookableTypes from '@salesforce/apex/SlotwiseBookController.getBookableTypes';
import getResources from '@salesforce/apex/SlotwiseBookController.getResources';
import getSlots from '@salesforce/apex/SlotwiseBookController.getSlots';
import book from '@salesforce/apex/SlotwiseBookController.book';
import { $, $$, flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseBookController.getBookableTypes', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseBookController.getResources', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseBookController.getSlots', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseBookController.book', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Book_Type_Option', () => ({ default: '{0} ({1} min)' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Book_Booked', () => ({ default: '{0} booked for {1} on {2}.' }), {
  virtual: true,
});

const TYPES = require('./data/getBookableTypes.json');
const RESOURCES = require('./data/getResources.json');
const SLOTS = require('./data/getSlots.json');
const CONTACT_ID = '003000000000001AAA';
const USER_TIME_ZONE = 'America/Los_Angeles'; // @salesforce/i18n/timeZone in sfdx-lwc-jest
const TAKEN = 'That time is no longer available. Pick another one.';

const picker = (element) => $(element, 'c-slotwise-slot-picker');
const slotButtons = (element) => [...picker(element).shadowRoot.querySelectorAll('button')];
const pressed = (element) => slotButtons(element).map((button) => button.getAttribute('aria-pressed'));
const requestOf = (call) => JSON.parse(call[0].requestJson);

function createBook(objectApiName = 'Contact', recordId = CONTACT_ID) {
  return mount('c-slotwise-book', SlotwiseBook, { recordId, objectApiName });
}

function change(input, detail) {
  input.dispatchEvent(new CustomEvent('change', { detail }));
}

// Types loaded, "Consultation" chosen, slots for 10 March shown.
async function withSlots(element) {
  getBookableTypes.emit(TYPES);
  await flushPromises();
  change($(element, 'lightning-combobox.type'), { value: TYPES[0].Id });
  change($(element, 'lightning-input.day'), { value: '2025-03-10' });
  await flushPromises();
  getResources.emit(RESOURCES);
  getSlots.emit(SLOTS);
  await flushPromises();
}

// Chooses the nth time and types a name.
async function choose(element, index, name = 'Ada Lovelace') {
  slotButtons(element)[index].click();
  change($(element, '[data-field="patientName"]'), { value: name });
  await flushPromises();
}

function allValid(element, valid = true) {
  $$(element, '.patient').forEach((input) => {
    input.reportValidity = jest.fn(() => valid);
  });
}

async function clickBook(element) {
  allValid(element);
  $(element, 'lightning-button.book').click();
  await flushPromises();
}

describe('c-slotwise-book', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('renders the booking form with the user time zone and today', async () => {
    const element = createBook();
    getBookableTypes.emit(TYPES);
    await flushPromises();

    expect($(element, 'lightning-combobox.type').options).toEqual([
      { label: 'Consultation (30 min)', value: TYPES[0].Id },
      { label: 'Follow-up (15 min)', value: TYPES[1].Id },
    ]);
    expect($(element, 'lightning-combobox.resource').value).toBe('');
    expect($(element, 'lightning-combobox.resource').options[0].label).toBe('c.Slotwise_Book_Any_Resource');
    expect($(element, 'lightning-combobox.time-zone').value).toBe(USER_TIME_ZONE);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: USER_TIME_ZONE }).format(new Date());
    expect($(element, 'lightning-input.day').value).toBe(today);
    expect(picker(element).needsType).toBe(true);
    expect($(element, 'lightning-button.book').disabled).toBe(true);
    $$(element, 'lightning-combobox, lightning-input').forEach((input) => expect(input.label).toBeTruthy());
    await expect(element).toBeAccessible();
  });

  it('shows why types could not be loaded', async () => {
    const element = createBook();
    getBookableTypes.error({ message: 'You do not have access to this Slotwise data.' });
    await flushPromises();
    expect($(element, '.types-error').textContent).toBe('You do not have access to this Slotwise data.');
  });

  it('asks for slots of the chosen type, resource, day and time zone', async () => {
    const element = createBook();
    getBookableTypes.emit(TYPES);
    await flushPromises();

    change($(element, 'lightning-combobox.type'), { value: TYPES[0].Id });
    change($(element, 'lightning-input.day'), { value: '2025-03-10' });
    await flushPromises();
    expect(getResources.getLastConfig()).toEqual({ typeId: TYPES[0].Id });
    expect(getSlots.getLastConfig()).toEqual({
      typeId: TYPES[0].Id,
      resourceId: null,
      day: '2025-03-10',
      timeZone: USER_TIME_ZONE,
    });
    expect(picker(element).needsType).toBe(false);
    expect(picker(element).slots).toBeUndefined();

    getResources.emit(RESOURCES);
    await flushPromises();
    expect($(element, 'lightning-combobox.resource').options.map((option) => option.value)).toEqual([
      '',
      RESOURCES[0].Id,
      RESOURCES[1].Id,
    ]);
    change($(element, 'lightning-combobox.resource'), { value: RESOURCES[1].Id });
    change($(element, 'lightning-combobox.time-zone'), { value: 'Europe/London' });
    await flushPromises();
    expect(getSlots.getLastConfig()).toEqual({
      typeId: TYPES[0].Id,
      resourceId: RESOURCES[1].Id,
      day: '2025-03-10',
      timeZone: 'Europe/London',
    });
  });

  it('passes the slots, time zone and errors to the slot picker', async () => {
    const element = createBook();
    await withSlots(element);
    expect(picker(element).slots).toEqual(SLOTS);
    expect(picker(element).timeZone).toBe(USER_TIME_ZONE);
    expect(slotButtons(element).map((button) => button.textContent.trim())).toEqual([
      expect.stringMatching(/^10:00\sAM$/),
      expect.stringMatching(/^10:30\sAM$/),
    ]);
    await expect(element).toBeAccessible();

    getSlots.error({ message: 'Slotwise cannot be reached right now. Try again later.' });
    await flushPromises();
    expect(picker(element).errorText).toBe('Slotwise cannot be reached right now. Try again later.');
  });

  it('prefills the patient from the Contact', async () => {
    const element = createBook();
    await flushPromises();
    expect(getRecord.getLastConfig()).toEqual({
      recordId: CONTACT_ID,
      optionalFields: ['Contact.Name', 'Contact.MobilePhone', 'Contact.Phone', 'Contact.Email'],
    });

    getRecord.emit({
      fields: {
        Name: { value: 'Ada Lovelace' },
        MobilePhone: { value: null },
        Phone: { value: '+441632960123' },
        Email: { value: 'ada@example.com' },
      },
    });
    await flushPromises();

    expect($(element, '[data-field="patientName"]').value).toBe('Ada Lovelace');
    expect($(element, '[data-field="patientPhone"]').value).toBe('+441632960123');
    expect($(element, '[data-field="patientEmail"]').value).toBe('ada@example.com');
  });

  it('needs a phone number or an e-mail address, and a phone number for SMS consent', async () => {
    const element = createBook();
    await flushPromises();
    const phone = () => $(element, '[data-field="patientPhone"]');
    const email = () => $(element, '[data-field="patientEmail"]');
    expect([phone().required, email().required]).toEqual([true, true]);

    change(email(), { value: 'ada@example.com' });
    await flushPromises();
    expect([phone().required, email().required]).toEqual([false, true]);

    change($(element, '[data-field="smsConsent"]'), { checked: true });
    await flushPromises();
    expect(phone().required).toBe(true);

    change(phone(), { value: '+441632960123' });
    await flushPromises();
    expect(email().required).toBe(false);
  });

  it('books the selected time for the Contact and shows the confirmation', async () => {
    book.mockResolvedValue({ appointmentId: 'a08000000000001AAA', bookingKey: 'k', status: 'Scheduled' });
    const element = createBook();
    await withSlots(element);

    await choose(element, 1);
    expect(pressed(element)).toEqual(['false', 'true']);
    change($(element, '[data-field="patientPhone"]'), { value: '+441632960123' });
    change($(element, '[data-field="smsConsent"]'), { checked: true });
    await flushPromises();
    await clickBook(element);

    expect(book).toHaveBeenCalledTimes(1);
    const request = requestOf(book.mock.calls[0]);
    expect(request).toEqual({
      typeId: TYPES[0].Id,
      resourceId: 'a02000000000002AAA',
      start: '2025-03-10T17:30:00.000Z',
      patientName: 'Ada Lovelace',
      patientPhone: '+441632960123',
      smsConsent: true,
      contactId: CONTACT_ID,
      idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const message = $(element, '.confirmation .message').textContent;
    expect(message).toMatch(/^Consultation booked for Ada Lovelace on Monday, March 10, 2025 at 10:30\sAM/);
    expect(message).toContain('(America/Los_Angeles)');
    expect($(element, 'lightning-button.book')).toBeNull();
    await expect(element).toBeAccessible();

    $(element, 'lightning-button.view').click();
    expect(getNavigateCalledWith().pageReference).toEqual({
      type: 'standard__recordPage',
      attributes: { recordId: 'a08000000000001AAA', objectApiName: 'Slotwise_Appointment__c', actionName: 'view' },
    });

    $(element, 'lightning-button.another').click();
    await flushPromises();
    expect($(element, '.confirmation')).toBeNull();
    expect($(element, 'lightning-button.book').disabled).toBe(true);
    expect(refreshApex).toHaveBeenCalled();
  });

  it('books for a Lead with the lead id', async () => {
    book.mockResolvedValue({ appointmentId: 'a08000000000002AAA' });
    const element = createBook('Lead', '00Q000000000001AAA');
    await withSlots(element);
    await choose(element, 0, 'Grace Hopper');
    await clickBook(element);

    const request = requestOf(book.mock.calls[0]);
    expect(request).toMatchObject({ leadId: '00Q000000000001AAA', resourceId: 'a02000000000001AAA' });
    expect(request).not.toHaveProperty('contactId');
  });

  it('books for an Account without a person and without prefill', async () => {
    book.mockResolvedValue({});
    const element = createBook('Account', '001000000000001AAA');
    await withSlots(element);
    expect(getRecord.getLastConfig()).toEqual({ recordId: undefined, optionalFields: undefined });
    expect($(element, '[data-field="patientName"]').value).toBe('');
    await choose(element, 0, 'Walk-in');
    change($(element, '[data-field="patientEmail"]'), { value: 'walk-in@example.com' });
    await clickBook(element);

    const request = requestOf(book.mock.calls[0]);
    expect(request).not.toHaveProperty('contactId');
    expect(request).not.toHaveProperty('leadId');
    expect(request).toMatchObject({ patientName: 'Walk-in', patientEmail: 'walk-in@example.com' });
    expect(request).not.toHaveProperty('patientPhone');
    expect($(element, 'lightning-button.view')).toBeNull();
    expect($(element, '.confirmation')).not.toBeNull();
  });

  it('does not book when the patient details are invalid', async () => {
    const element = createBook();
    await withSlots(element);
    await choose(element, 0);
    allValid(element, false);
    $(element, 'lightning-button.book').click();
    await flushPromises();
    expect(book).not.toHaveBeenCalled();
  });

  it('says the time was just taken, reloads the times and drops the taken one', async () => {
    book.mockRejectedValue({ body: { message: TAKEN } });
    const element = createBook();
    await withSlots(element);
    await choose(element, 1);
    await clickBook(element);

    expect($(element, '.error').textContent).toBe(TAKEN);
    expect(refreshApex).toHaveBeenCalledTimes(1);
    expect($(element, '.confirmation')).toBeNull();

    // The refreshed times no longer include 10:30.
    getSlots.emit(SLOTS.slice(0, 2));
    await flushPromises();
    expect(pressed(element)).toEqual(['false']);
    expect($(element, 'lightning-button.book').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('retries a failed booking with the same idempotency key, and a new booking with a new one', async () => {
    book.mockRejectedValueOnce({ body: { message: 'Slotwise cannot be reached right now. Try again later.' } });
    book.mockResolvedValueOnce({ appointmentId: 'a08000000000003AAA' });
    const element = createBook();
    await withSlots(element);
    await choose(element, 0);

    await clickBook(element);
    expect($(element, '.error').textContent).toBe('Slotwise cannot be reached right now. Try again later.');
    getSlots.emit(SLOTS); // the time is still free
    await flushPromises();
    expect($(element, 'lightning-button.book').disabled).toBe(false);

    await clickBook(element);
    const [first, second] = book.mock.calls.map(requestOf);
    expect(second.idempotencyKey).toBe(first.idempotencyKey);

    $(element, 'lightning-button.another').click();
    await flushPromises();
    book.mockResolvedValueOnce({ appointmentId: 'a08000000000004AAA' });
    await choose(element, 0, 'Grace Hopper');
    await clickBook(element);
    expect(requestOf(book.mock.calls[2]).idempotencyKey).not.toBe(first.idempotencyKey);
  });

  it('uses a new idempotency key when the patient details change after a failure', async () => {
    book.mockRejectedValue({ body: { message: 'Enter a valid e-mail address.' } });
    const element = createBook();
    await withSlots(element);
    await choose(element, 0);
    await clickBook(element);
    change($(element, '[data-field="patientEmail"]'), { value: 'ada@example.com' });
    await flushPromises();
    await clickBook(element);

    const [first, second] = book.mock.calls.map(requestOf);
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(second.patientEmail).toBe('ada@example.com');
  });
});
