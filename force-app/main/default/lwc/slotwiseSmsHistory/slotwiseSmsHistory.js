import { LightningElement, api, wire } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { refreshApex } from '@salesforce/apex';
import getHistory from '@salesforce/apex/SlotwiseSmsController.getHistory';
import send from '@salesforce/apex/SlotwiseSmsController.send';
import hasSendSms from '@salesforce/customPermission/Slotwise_Send_SMS';
import { errorMessage, formatLabel } from 'c/slotwiseUtils';
import TITLE from '@salesforce/label/c.Slotwise_Sms_History_Title';
import SENT_AT from '@salesforce/label/c.Slotwise_Sms_Sent_At';
import DIRECTION from '@salesforce/label/c.Slotwise_Sms_Direction';
import NUMBER from '@salesforce/label/c.Slotwise_Sms_Number';
import STATUS from '@salesforce/label/c.Slotwise_Agenda_Status';
import SEGMENTS from '@salesforce/label/c.Slotwise_Sms_Segments_Column';
import NO_MESSAGES from '@salesforce/label/c.Slotwise_Sms_No_Messages';
import MESSAGE from '@salesforce/label/c.Slotwise_Sms_Message';
import SEND from '@salesforce/label/c.Slotwise_Sms_Send';
import SENDING from '@salesforce/label/c.Slotwise_Sms_Sending';
import SENT from '@salesforce/label/c.Slotwise_Sms_Sent';
import SENT_SEGMENTS from '@salesforce/label/c.Slotwise_Sms_Sent_Segments';
import SEND_FAILED from '@salesforce/label/c.Slotwise_Sms_Send_Failed';
import LOADING from '@salesforce/label/c.Slotwise_Loading';
import REFRESH from '@salesforce/label/c.Slotwise_Refresh';
import OUTBOUND from '@salesforce/label/c.Slotwise_Sms_Outbound';
import INBOUND from '@salesforce/label/c.Slotwise_Sms_Inbound';

const DIRECTIONS = { Outbound: OUTBOUND, Inbound: INBOUND };

/**
 * SMS sent to and received from the person on a Contact, Lead or Slotwise_Appointment__c page.
 *
 * SlotwiseSmsController.getHistory(recordId) returns Slotwise_SMS_Message__c[] { Id,
 * Masked_Number__c, Direction__c, Status__c, Error_Code__c, Segments__c, Sent_At__c, CreatedDate }
 * (no bodies: they are never stored in the org); send(recordId, body) queues a message and returns
 * { messageId, status, segments }. Sending needs the Slotwise_Send_SMS custom permission.
 */
export default class SlotwiseSmsHistory extends LightningElement {
  @api recordId;

  labels = {
    TITLE,
    SENT_AT,
    DIRECTION,
    NUMBER,
    STATUS,
    SEGMENTS,
    NO_MESSAGES,
    MESSAGE,
    SEND,
    SENDING,
    LOADING,
    REFRESH,
  };
  wiredHistory;
  messages;
  errorText;
  body = '';
  sending = false;
  statusMessage = '';

  @wire(getHistory, { recordId: '$recordId' })
  wiredGetHistory(result) {
    this.wiredHistory = result;
    this.messages = result.data;
    this.errorText = result.error ? errorMessage(result.error) : undefined;
  }

  get canSend() {
    return hasSendSms === true;
  }

  get isLoading() {
    return !this.messages && !this.errorText;
  }

  get rows() {
    return (this.messages || []).map((message) => ({
      id: message.Id,
      // A message still queued has no Sent_At__c yet.
      sentAt: message.Sent_At__c || message.CreatedDate,
      direction: DIRECTIONS[message.Direction__c] || message.Direction__c,
      number: message.Masked_Number__c,
      status: message.Error_Code__c ? `${message.Status__c} (${message.Error_Code__c})` : message.Status__c,
      segments: message.Segments__c,
    }));
  }

  get hasRows() {
    return this.rows.length > 0;
  }

  get isEmpty() {
    return !!this.messages && this.messages.length === 0;
  }

  get sendDisabled() {
    return this.sending || !this.body.trim();
  }

  handleBodyChange(event) {
    this.body = event.detail.value || '';
  }

  handleRefresh() {
    return refreshApex(this.wiredHistory);
  }

  async handleSend() {
    if (!this.canSend || this.sendDisabled || !this.refs.body.reportValidity()) {
      return;
    }
    this.sending = true;
    this.statusMessage = SENDING;
    let sent = false;
    try {
      const result = await send({ recordId: this.recordId, body: this.body });
      sent = true;
      this.body = '';
      this.statusMessage = SENT;
      const segments = result && result.segments ? formatLabel(SENT_SEGMENTS, result.segments) : undefined;
      this.dispatchEvent(new ShowToastEvent({ title: SENT, message: segments, variant: 'success' }));
    } catch (error) {
      this.statusMessage = errorMessage(error);
      this.dispatchEvent(new ShowToastEvent({ title: SEND_FAILED, message: this.statusMessage, variant: 'error' }));
    } finally {
      this.sending = false;
    }
    if (sent) {
      await refreshApex(this.wiredHistory);
    }
  }
}
