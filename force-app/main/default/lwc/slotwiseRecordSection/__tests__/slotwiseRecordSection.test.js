import LightningConfirm from 'lightning/confirm';
import SlotwiseRecordSection from 'c/slotwiseRecordSection';
import deleteRecord from '@salesforce/apex/SlotwiseSetupController.deleteRecord';
import { availabilityRuleFields, appointmentTypeFields } from 'c/slotwiseSetupFields';
import { flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.deleteRecord', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SlotwiseSetupController.saveRecord', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Edit_Record', () => ({ default: 'Edit {0}' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Delete_Record', () => ({ default: 'Delete {0}' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Option_Monday', () => ({ default: 'Monday' }), { virtual: true });

const RESOURCES = [{ Id: 'a02000000000001AAA', Name: 'Dr Patel' }];
const TYPES = require('./data/types.json');
const RULES = [
  {
    Id: 'a04000000000001AAA',
    Name: 'AR-00001',
    Resource__c: RESOURCES[0].Id,
    Weekday__c: 'Monday',
    Start_Time__c: '09:00:00.000Z',
    End_Time__c: 61200000,
  },
];

function createSection(props) {
  return mount(
    'c-slotwise-record-section',
    SlotwiseRecordSection,
    {
      heading: 'Appointment types',
      newLabel: 'New appointment type',
      objectApiName: 'Slotwise_Appointment_Type__c',
      fields: appointmentTypeFields(),
      records: TYPES,
    },
    props,
  );
}

describe('c-slotwise-record-section', () => {
  afterEach(() => {
    resetDom();
    jest.restoreAllMocks();
    jest.clearAllMocks();
  });

  it('lists the records with their column values', async () => {
    const element = createSection();
    const headers = [...element.shadowRoot.querySelectorAll('thead th')].map((th) => th.textContent);
    expect(headers).toEqual([
      'c.Slotwise_Field_Name',
      'c.Slotwise_Field_Duration_Minutes',
      'c.Slotwise_Field_Price',
      'c.Slotwise_Field_Active',
      'c.Slotwise_Field_Public',
      'c.Slotwise_Actions',
    ]);
    const rows = element.shadowRoot.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    const cells = [...rows[0].querySelectorAll('th, td')].map((cell) => cell.textContent);
    expect(cells.slice(0, 5)).toEqual(['Consultation', '30', '80', 'c.Slotwise_Yes', 'c.Slotwise_No']);
    expect(rows[0].querySelector('lightning-button-icon.edit').alternativeText).toBe('Edit Consultation');
    expect(rows[0].querySelector('lightning-button-icon.delete').alternativeText).toBe('Delete Consultation');
    await expect(element).toBeAccessible();
  });

  it('shows picklist labels and times, and names autonumber rows by their columns', () => {
    const element = createSection({
      heading: 'Weekly hours',
      objectApiName: 'Slotwise_Availability_Rule__c',
      fields: availabilityRuleFields(RESOURCES),
      records: RULES,
    });
    const cells = [...element.shadowRoot.querySelectorAll('tbody tr th, tbody tr td')].map((cell) => cell.textContent);
    expect(cells.slice(0, 6)).toEqual(['Dr Patel', 'Monday', '09:00', '17:00', '', '']);
    expect(element.shadowRoot.querySelector('lightning-button-icon.edit').alternativeText).toBe('Edit AR-00001');
  });

  it('shows a message when there are no records', async () => {
    const element = createSection({ records: [] });
    expect(element.shadowRoot.querySelector('table')).toBeNull();
    expect(element.shadowRoot.querySelector('.empty').textContent).toBe('c.Slotwise_No_Records');
    await expect(element).toBeAccessible();
  });

  it('opens an empty editor for New and closes it on cancel', async () => {
    const element = createSection();
    expect(element.shadowRoot.querySelector('c-slotwise-record-editor')).toBeNull();

    element.shadowRoot.querySelector('lightning-button.new').click();
    await Promise.resolve();
    const editor = element.shadowRoot.querySelector('c-slotwise-record-editor');
    expect(editor.heading).toBe('New appointment type');
    expect(editor.record).toBeUndefined();
    expect(editor.objectApiName).toBe('Slotwise_Appointment_Type__c');

    editor.dispatchEvent(new CustomEvent('cancel'));
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-slotwise-record-editor')).toBeNull();
  });

  it('edits a row and reports the change after saving', async () => {
    const element = createSection();
    const datachange = jest.fn();
    element.addEventListener('datachange', datachange);

    element.shadowRoot.querySelectorAll('lightning-button-icon.edit')[1].click();
    await Promise.resolve();
    const editor = element.shadowRoot.querySelector('c-slotwise-record-editor');
    expect(editor.record).toEqual(TYPES[1]);
    expect(editor.heading).toBe('Edit Follow-up');

    editor.dispatchEvent(new CustomEvent('saved', { detail: { id: TYPES[1].Id } }));
    await Promise.resolve();
    expect(datachange).toHaveBeenCalledTimes(1);
    expect(element.shadowRoot.querySelector('c-slotwise-record-editor')).toBeNull();
  });

  it('deletes a row after confirmation', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(true);
    deleteRecord.mockResolvedValue();
    const element = createSection();
    const datachange = jest.fn();
    const toast = jest.fn();
    element.addEventListener('datachange', datachange);
    element.addEventListener('lightning__showtoast', toast);

    element.shadowRoot.querySelector('lightning-button-icon.delete').click();
    await flushPromises();

    expect(LightningConfirm.open).toHaveBeenCalledWith(expect.objectContaining({ theme: 'warning' }));
    expect(deleteRecord).toHaveBeenCalledWith({ recordId: TYPES[0].Id });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(datachange).toHaveBeenCalledTimes(1);
  });

  it('does not delete when the confirmation is cancelled', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(false);
    const element = createSection();
    element.shadowRoot.querySelector('lightning-button-icon.delete').click();
    await flushPromises();
    expect(deleteRecord).not.toHaveBeenCalled();
  });

  it('toasts the error when deleting fails', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(true);
    deleteRecord.mockRejectedValue({ body: { message: 'Cannot delete a type with appointments' } });
    const element = createSection();
    const datachange = jest.fn();
    const toast = jest.fn();
    element.addEventListener('datachange', datachange);
    element.addEventListener('lightning__showtoast', toast);

    element.shadowRoot.querySelector('lightning-button-icon.delete').click();
    await flushPromises();

    expect(toast.mock.calls[0][0].detail).toMatchObject({
      variant: 'error',
      message: 'Cannot delete a type with appointments',
    });
    expect(datachange).not.toHaveBeenCalled();
  });
});
