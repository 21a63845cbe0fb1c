import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import saveRecord from '@salesforce/apex/SlotwiseSetupController.saveRecord';
import { errorMessage, toApexTime, toTimeInput } from 'c/slotwiseUtils';
import SAVE from '@salesforce/label/c.Slotwise_Save';
import CANCEL from '@salesforce/label/c.Slotwise_Cancel';
import SAVING from '@salesforce/label/c.Slotwise_Saving';
import SAVED from '@salesforce/label/c.Slotwise_Saved';
import SAVE_FAILED from '@salesforce/label/c.Slotwise_Save_Failed';

const INPUT_TYPES = {
  text: 'text',
  number: 'number',
  currency: 'number',
  date: 'date',
  time: 'time',
  datetime: 'datetime',
  color: 'color',
};
const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * A form for one Slotwise configuration record, built from field definitions (see
 * c/slotwiseSetupFields). Save sends an sObject literal { sobjectType, Id?, ...fields } to
 * SlotwiseSetupController.saveRecord(record) (on edit only the changed fields), which returns the
 * record Id; then it toasts and fires `saved` with detail.id. Cancel discards the changes and fires
 * `cancel`.
 */
export default class SlotwiseRecordEditor extends LightningElement {
  @api objectApiName;
  @api heading;
  @api fields = [];
  // Extra values sent when creating a record (e.g. { Singleton__c: 'org' }).
  @api defaults;

  labels = { SAVE, CANCEL, SAVING };
  draft = {};
  saving = false;
  errorText;
  currentRecord;

  @api
  get record() {
    return this.currentRecord;
  }
  set record(value) {
    this.currentRecord = value;
    this.draft = {};
    this.errorText = undefined;
  }

  get isEdit() {
    return !!(this.currentRecord && this.currentRecord.Id);
  }

  valueOf(field) {
    if (hasOwn(this.draft, field.name)) {
      return this.draft[field.name];
    }
    if (this.currentRecord) {
      return this.currentRecord[field.name];
    }
    return field.defaultValue;
  }

  get inputs() {
    return (this.fields || []).map((field) => {
      const value = this.valueOf(field);
      return {
        ...field,
        value: field.type === 'time' ? toTimeInput(value) : (value ?? ''),
        checked: !!value,
        inputType: INPUT_TYPES[field.type] || 'text',
        formatter: field.type === 'currency' ? 'currency' : undefined,
        step: field.type === 'currency' ? '0.01' : field.step,
        disabled: !!(field.createOnly && this.isEdit),
        isCheckbox: field.type === 'checkbox',
        isPicklist: field.type === 'picklist',
        isTextarea: field.type === 'textarea',
        isSms: field.type === 'sms',
        isUser: field.type === 'user',
      };
    });
  }

  handleChange(event) {
    const name = event.target.dataset.field;
    const field = this.fields.find((candidate) => candidate.name === name);
    let value = event.detail.value;
    if (field.type === 'checkbox') {
      value = event.detail.checked;
    } else if (field.type === 'user') {
      value = event.detail.recordId || null;
    }
    this.draft = { ...this.draft, [name]: value };
  }

  handleCancel() {
    this.draft = {};
    this.errorText = undefined;
    this.dispatchEvent(new CustomEvent('cancel'));
  }

  isValid() {
    return [...this.template.querySelectorAll('[data-field]')].reduce(
      (valid, input) => input.reportValidity() && valid,
      true,
    );
  }

  buildRecord() {
    const record = this.isEdit
      ? { sobjectType: this.objectApiName, Id: this.currentRecord.Id }
      : { sobjectType: this.objectApiName, ...this.defaults };
    (this.fields || []).forEach((field) => {
      const changed = hasOwn(this.draft, field.name);
      if ((this.isEdit && !changed) || (this.isEdit && field.createOnly)) {
        return;
      }
      const value = this.valueOf(field);
      if (value !== undefined) {
        record[field.name] = toApexValue(field, value);
      }
    });
    return record;
  }

  async handleSave() {
    if (!this.isValid()) {
      return;
    }
    this.saving = true;
    this.errorText = undefined;
    try {
      const savedId = await saveRecord({ record: this.buildRecord() });
      this.draft = {};
      this.dispatchEvent(new ShowToastEvent({ title: SAVED, message: this.heading, variant: 'success' }));
      this.dispatchEvent(new CustomEvent('saved', { detail: { id: savedId } }));
    } catch (error) {
      this.errorText = errorMessage(error);
      this.dispatchEvent(new ShowToastEvent({ title: SAVE_FAILED, message: this.errorText, variant: 'error' }));
    } finally {
      this.saving = false;
    }
  }
}

function toApexValue(field, value) {
  switch (field.type) {
    case 'checkbox':
      return !!value;
    case 'number':
    case 'currency':
      return value === '' || value === null ? null : Number(value);
    case 'time':
      return toApexTime(value);
    default:
      return value === '' ? null : value;
  }
}
