import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import LightningConfirm from 'lightning/confirm';
import deleteRecord from '@salesforce/apex/SlotwiseSetupController.deleteRecord';
import LOCALE from '@salesforce/i18n/locale';
import TIME_ZONE from '@salesforce/i18n/timeZone';
import { errorMessage, formatDateTime, formatLabel, toTimeInput } from 'c/slotwiseUtils';
import EDIT from '@salesforce/label/c.Slotwise_Edit_Record';
import DELETE from '@salesforce/label/c.Slotwise_Delete_Record';
import DELETE_CONFIRM from '@salesforce/label/c.Slotwise_Delete_Confirm';
import DELETE_TITLE from '@salesforce/label/c.Slotwise_Delete_Title';
import DELETED from '@salesforce/label/c.Slotwise_Deleted';
import DELETE_FAILED from '@salesforce/label/c.Slotwise_Delete_Failed';
import ACTIONS from '@salesforce/label/c.Slotwise_Actions';
import NO_RECORDS from '@salesforce/label/c.Slotwise_No_Records';
import YES from '@salesforce/label/c.Slotwise_Yes';
import NO from '@salesforce/label/c.Slotwise_No';

/**
 * One kind of configuration record in the setup console: a table of `records` (sObjects from
 * getSetup), a New button and per-row Edit/Delete. Editing opens c-slotwise-record-editor; Delete
 * asks for confirmation and calls SlotwiseSetupController.deleteRecord(recordId). Fires
 * `datachange` after a save or delete so the console can refreshApex.
 */
export default class SlotwiseRecordSection extends LightningElement {
  @api heading;
  @api newLabel;
  @api objectApiName;
  @api fields = [];
  @api records = [];
  @api defaults;

  labels = { ACTIONS, NO_RECORDS };
  isEditing = false;
  editingRecord;

  get columns() {
    return (this.fields || []).filter((field) => field.column);
  }

  get rows() {
    return (this.records || []).map((record) => {
      const cells = this.columns.map((field) => ({ key: field.name, value: displayValue(field, record[field.name]) }));
      const name = record.Name || cells.map((cell) => cell.value).join(' ');
      return {
        id: record.Id,
        first: cells[0],
        rest: cells.slice(1),
        editLabel: formatLabel(EDIT, name),
        deleteLabel: formatLabel(DELETE, name),
        name,
      };
    });
  }

  get hasRows() {
    return this.rows.length > 0;
  }

  get editorHeading() {
    return this.editingRecord ? formatLabel(EDIT, this.rowName(this.editingRecord.Id)) : this.newLabel;
  }

  rowName(id) {
    const row = this.rows.find((candidate) => candidate.id === id);
    return row ? row.name : '';
  }

  handleNew() {
    this.editingRecord = undefined;
    this.isEditing = true;
  }

  handleEdit(event) {
    const { id } = event.currentTarget.dataset;
    this.editingRecord = this.records.find((record) => record.Id === id);
    this.isEditing = true;
  }

  handleCancel() {
    this.isEditing = false;
    this.editingRecord = undefined;
  }

  handleSaved() {
    this.handleCancel();
    this.dispatchEvent(new CustomEvent('datachange'));
  }

  async handleDelete(event) {
    const { id } = event.currentTarget.dataset;
    const name = this.rowName(id);
    const confirmed = await LightningConfirm.open({
      message: formatLabel(DELETE_CONFIRM, name),
      label: DELETE_TITLE,
      theme: 'warning',
    });
    if (!confirmed) {
      return;
    }
    try {
      await deleteRecord({ recordId: id });
      this.dispatchEvent(new ShowToastEvent({ title: DELETED, message: name, variant: 'success' }));
      this.dispatchEvent(new CustomEvent('datachange'));
    } catch (error) {
      this.dispatchEvent(new ShowToastEvent({ title: DELETE_FAILED, message: errorMessage(error), variant: 'error' }));
    }
  }
}

function displayValue(field, value) {
  if (field.type === 'checkbox') {
    return value ? YES : NO;
  }
  if (value === undefined || value === null || value === '') {
    return '';
  }
  switch (field.type) {
    case 'picklist': {
      const option = (field.options || []).find((candidate) => candidate.value === value);
      return option ? option.label : value;
    }
    case 'time':
      return toTimeInput(value).slice(0, 5);
    case 'datetime':
      return formatDateTime(value, TIME_ZONE, LOCALE);
    default:
      return String(value);
  }
}
