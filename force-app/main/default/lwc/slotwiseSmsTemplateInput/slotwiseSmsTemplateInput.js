import { LightningElement, api } from 'lwc';
import { renderTemplate } from 'c/slotwiseSmsMath';
import PREVIEW from '@salesforce/label/c.Slotwise_Sms_Preview';
import SAMPLE_FIRST_NAME from '@salesforce/label/c.Slotwise_Sample_First_Name';
import SAMPLE_TIME from '@salesforce/label/c.Slotwise_Sample_Time';
import SAMPLE_TYPE from '@salesforce/label/c.Slotwise_Sample_Type';
import SAMPLE_RESOURCE from '@salesforce/label/c.Slotwise_Sample_Resource';
import SAMPLE_ORG_NAME from '@salesforce/label/c.Slotwise_Sample_Org_Name';
import SAMPLE_MANAGE_LINK from '@salesforce/label/c.Slotwise_Sample_Manage_Link';

// What a patient would receive: the merge fields of Slotwise_Reminder_Rule__c.Template__c.
const SAMPLES = {
  FirstName: SAMPLE_FIRST_NAME,
  Time: SAMPLE_TIME,
  Type: SAMPLE_TYPE,
  Resource: SAMPLE_RESOURCE,
  OrgName: SAMPLE_ORG_NAME,
  ManageLink: SAMPLE_MANAGE_LINK,
};

/**
 * A reminder template textarea with a live SMS preview: the message with sample merge values and
 * its characters, encoding and segments. Fires `change` with detail.value, like lightning-textarea.
 */
export default class SlotwiseSmsTemplateInput extends LightningElement {
  @api label;
  @api required;
  @api maxLength;
  @api fieldLevelHelp;
  @api disabled;

  text = '';
  previewLabel = PREVIEW;

  @api
  get value() {
    return this.text;
  }
  set value(value) {
    this.text = value || '';
  }

  @api
  reportValidity() {
    return this.refs.textarea.reportValidity();
  }

  get preview() {
    return renderTemplate(this.text, SAMPLES);
  }

  handleChange(event) {
    event.stopPropagation();
    this.text = event.detail.value;
    this.dispatchEvent(new CustomEvent('change', { detail: { value: this.text } }));
  }
}
