import SlotwiseRecordEditor from 'c/slotwiseRecordEditor';
import saveRecord from '@salesforce/apex/SlotwiseSetupController.saveRecord';
import { reminderRuleFields, availabilityRuleFields } from 'c/slotwiseSetupFields';
import { flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.saveRecord', () => ({ default: jest.fn() }), { virtual: true });

const TYPES = [{ Id: 'a01000000000001AAA', Name: 'Consultation' }];
const RESOURCES = [{ Id: 'a02000000000001AAA', Name: 'Dr Patel' }];
const RULE = {
  Id: 'a03000000000001AAA',
  Name: 'Day before',
  Audience__c: 'Patient',
  Offset_Minutes__c: 1440,
  Template__c: 'Hi {FirstName}',
  Active__c: true,
  If_Past__c: 'Skip',
};

function createEditor(props) {
  return mount(
    'c-slotwise-record-editor',
    SlotwiseRecordEditor,
    { heading: 'Reminder rule', objectApiName: 'Slotwise_Reminder_Rule__c' },
    props,
  );
}

const field = (element, name) => element.shadowRoot.querySelector(`[data-field="${name}"]`);

function change(element, name, detail) {
  const input = field(element, name);
  input.dispatchEvent(new CustomEvent('change', { detail }));
}

function allValid(element, valid = true) {
  element.shadowRoot.querySelectorAll('[data-field]').forEach((input) => {
    input.reportValidity = jest.fn(() => valid);
  });
}

const clickButton = (element, className) => element.shadowRoot.querySelector(`lightning-button.${className}`).click();

describe('c-slotwise-record-editor', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('renders a labelled input for every field with the record values', async () => {
    const element = createEditor({ fields: reminderRuleFields(TYPES), record: RULE });
    await Promise.resolve();

    expect(element.shadowRoot.querySelector('legend').textContent).toBe('Reminder rule');
    expect(field(element, 'Name').value).toBe('Day before');
    expect(field(element, 'Name').label).toBe('c.Slotwise_Field_Name');
    expect(field(element, 'Audience__c').tagName).toBe('LIGHTNING-COMBOBOX');
    expect(field(element, 'Audience__c').value).toBe('Patient');
    expect(field(element, 'Offset_Minutes__c').type).toBe('number');
    expect(field(element, 'Active__c').checked).toBe(true);
    expect(field(element, 'Template__c').tagName).toBe('C-SLOTWISE-SMS-TEMPLATE-INPUT');
    expect(field(element, 'Template__c').value).toBe('Hi {FirstName}');
    expect(field(element, 'Appointment_Type__c').value).toBe('');
    element.shadowRoot.querySelectorAll('[data-field]').forEach((input) => expect(input.label).toBeTruthy());
    await expect(element).toBeAccessible();
  });

  it('creates a record from defaults and typed values', async () => {
    saveRecord.mockResolvedValue('a03000000000002AAA');
    const element = createEditor({ fields: reminderRuleFields(TYPES) });
    const saved = jest.fn();
    const toast = jest.fn();
    element.addEventListener('saved', saved);
    element.addEventListener('lightning__showtoast', toast);
    await Promise.resolve();

    change(element, 'Name', { value: 'Two hours before' });
    change(element, 'Offset_Minutes__c', { value: '120' });
    change(element, 'Template__c', { value: 'See you at {Time}' });
    change(element, 'Appointment_Type__c', { value: TYPES[0].Id });
    await Promise.resolve();
    allValid(element);
    clickButton(element, 'save');
    await flushPromises();

    expect(saveRecord).toHaveBeenCalledWith({
      record: {
        sobjectType: 'Slotwise_Reminder_Rule__c',
        Name: 'Two hours before',
        Audience__c: 'Patient',
        Offset_Minutes__c: 120,
        Appointment_Type__c: TYPES[0].Id,
        Template__c: 'See you at {Time}',
        If_Past__c: 'Skip',
        Active__c: true,
      },
    });
    expect(saved).toHaveBeenCalledTimes(1);
    expect(saved.mock.calls[0][0].detail).toEqual({ id: 'a03000000000002AAA' });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
  });

  it('sends only the changed fields of an existing record', async () => {
    saveRecord.mockResolvedValue(RULE.Id);
    const element = createEditor({ fields: reminderRuleFields(TYPES), record: RULE });
    await Promise.resolve();

    change(element, 'Active__c', { checked: false });
    change(element, 'Appointment_Type__c', { value: '' });
    allValid(element);
    clickButton(element, 'save');
    await flushPromises();

    expect(saveRecord).toHaveBeenCalledWith({
      record: { sobjectType: 'Slotwise_Reminder_Rule__c', Id: RULE.Id, Active__c: false, Appointment_Type__c: null },
    });
  });

  it('converts times and keeps master-detail parents read-only when editing', async () => {
    saveRecord.mockResolvedValue('a00000000000001AAA');
    const rule = {
      Id: 'a04000000000001AAA',
      Resource__c: RESOURCES[0].Id,
      Weekday__c: 'Monday',
      Start_Time__c: 32400000, // 09:00 as milliseconds
      End_Time__c: '17:00:00.000Z',
    };
    const element = createEditor({
      objectApiName: 'Slotwise_Availability_Rule__c',
      fields: availabilityRuleFields(RESOURCES),
      record: rule,
    });
    await Promise.resolve();

    expect(field(element, 'Resource__c').disabled).toBe(true);
    expect(field(element, 'Start_Time__c').value).toBe('09:00:00.000');
    expect(field(element, 'End_Time__c').value).toBe('17:00:00.000');

    change(element, 'End_Time__c', { value: '18:30' });
    allValid(element);
    clickButton(element, 'save');
    await flushPromises();

    expect(saveRecord).toHaveBeenCalledWith({
      record: { sobjectType: 'Slotwise_Availability_Rule__c', Id: rule.Id, End_Time__c: '18:30:00.000Z' },
    });
  });

  it('does not save when a field is invalid', async () => {
    const element = createEditor({ fields: reminderRuleFields(TYPES) });
    await Promise.resolve();
    allValid(element, false);
    clickButton(element, 'save');
    await flushPromises();
    expect(saveRecord).not.toHaveBeenCalled();
  });

  it('shows the error and toasts when saving fails', async () => {
    saveRecord.mockRejectedValue({ body: { message: 'Offset must be positive' } });
    const element = createEditor({ fields: reminderRuleFields(TYPES), record: RULE });
    const toast = jest.fn();
    const saved = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('saved', saved);
    await Promise.resolve();

    allValid(element);
    clickButton(element, 'save');
    await flushPromises();

    expect(element.shadowRoot.querySelector('.error').textContent).toBe('Offset must be positive');
    expect(toast.mock.calls[0][0].detail.variant).toBe('error');
    expect(saved).not.toHaveBeenCalled();
    await expect(element).toBeAccessible();
  });

  it('discards changes on cancel', async () => {
    const element = createEditor({ fields: reminderRuleFields(TYPES), record: RULE });
    const cancel = jest.fn();
    element.addEventListener('cancel', cancel);
    await Promise.resolve();

    change(element, 'Name', { value: 'Changed' });
    await Promise.resolve();
    expect(field(element, 'Name').value).toBe('Changed');

    clickButton(element, 'cancel');
    await Promise.resolve();
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(field(element, 'Name').value).toBe('Day before');
  });

  it('sends creation defaults such as the booking page singleton', async () => {
    saveRecord.mockResolvedValue('a00000000000001AAA');
    const element = createEditor({
      objectApiName: 'Slotwise_Booking_Page__c',
      fields: [{ name: 'Name', label: 'Name', type: 'text', required: true }],
      defaults: { Singleton__c: 'org' },
    });
    await Promise.resolve();
    change(element, 'Name', { value: 'Riverside Clinic' });
    allValid(element);
    clickButton(element, 'save');
    await flushPromises();
    expect(saveRecord).toHaveBeenCalledWith({
      record: { sobjectType: 'Slotwise_Booking_Page__c', Singleton__c: 'org', Name: 'Riverside Clinic' },
    });
  });
});
