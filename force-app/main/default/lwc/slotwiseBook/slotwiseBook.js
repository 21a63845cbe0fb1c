import { LightningElement, api, wire } from 'lwc';
import { NavigationMixin } from 'lightning/navigation';
import { getRecord } from 'lightning/uiRecordApi';
import { refreshApex } from '@salesforce/apex';
import getBookableTypes from '@salesforce/apex/SlotwiseBookController.getBookableTypes';
import getResources from '@salesforce/apex/SlotwiseBookController.getResources';
import getSlots from '@salesforce/apex/SlotwiseBookController.getSlots';
import book from '@salesforce/apex/SlotwiseBookController.book';
import USER_TIME_ZONE from '@salesforce/i18n/timeZone';
import LOCALE from '@salesforce/i18n/locale';
import { dayInZone, errorMessage, formatDateTime, formatLabel, timeZoneOptions } from 'c/slotwiseUtils';
import TITLE from '@salesforce/label/c.Slotwise_Book_Title';
import TYPE from '@salesforce/label/c.Slotwise_Field_Appointment_Type';
import TYPE_PLACEHOLDER from '@salesforce/label/c.Slotwise_Book_Choose_Type';
import TYPE_OPTION from '@salesforce/label/c.Slotwise_Book_Type_Option';
import RESOURCE from '@salesforce/label/c.Slotwise_Field_Resource';
import ANY_RESOURCE from '@salesforce/label/c.Slotwise_Book_Any_Resource';
import DATE from '@salesforce/label/c.Slotwise_Book_Date';
import TIME_ZONE from '@salesforce/label/c.Slotwise_Field_Time_Zone';
import PATIENT_NAME from '@salesforce/label/c.Slotwise_Book_Patient_Name';
import PATIENT_PHONE from '@salesforce/label/c.Slotwise_Book_Patient_Phone';
import PHONE_HELP from '@salesforce/label/c.Slotwise_Book_Phone_Help';
import PATIENT_EMAIL from '@salesforce/label/c.Slotwise_Book_Patient_Email';
import SMS_CONSENT from '@salesforce/label/c.Slotwise_Book_Sms_Consent';
import BOOK from '@salesforce/label/c.Slotwise_Book_Button';
import BOOKING from '@salesforce/label/c.Slotwise_Book_Booking';
import BOOKED from '@salesforce/label/c.Slotwise_Book_Booked';
import VIEW_APPOINTMENT from '@salesforce/label/c.Slotwise_Book_View_Appointment';
import BOOK_ANOTHER from '@salesforce/label/c.Slotwise_Book_Another';

const PERSON_OBJECTS = ['Contact', 'Lead'];

/**
 * Book an appointment for the Contact, Lead or Account on the record page.
 *
 * Apex shapes relied on (SlotwiseBookController):
 * getBookableTypes(): Slotwise_Appointment_Type__c[] { Id, Name, Duration_Minutes__c };
 * getResources(typeId): Slotwise_Resource__c[] { Id, Name };
 * getSlots(typeId, resourceId | null for any, day 'YYYY-MM-DD', timeZone): [{ start, end: ISO UTC,
 *   resourceId }];
 * book(requestJson) with { typeId, resourceId?, start, patientName, patientPhone?, patientEmail?,
 *   smsConsent, contactId?, leadId?, idempotencyKey } returns { appointmentId, ... }; a failure is
 *   thrown with a message for users (e.g. the time was just taken).
 */
export default class SlotwiseBook extends NavigationMixin(LightningElement) {
  @api recordId;
  @api objectApiName;

  labels = {
    TITLE,
    TYPE,
    TYPE_PLACEHOLDER,
    RESOURCE,
    DATE,
    TIME_ZONE,
    PATIENT_NAME,
    PATIENT_PHONE,
    PHONE_HELP,
    PATIENT_EMAIL,
    SMS_CONSENT,
    BOOK,
    BOOKING,
    VIEW_APPOINTMENT,
    BOOK_ANOTHER,
  };

  types = [];
  typesErrorText;
  resources = [];
  typeId;
  resourceId = '';
  day = dayInZone(new Date(), USER_TIME_ZONE);
  timeZone = USER_TIME_ZONE;
  zoneOptions = timeZoneOptions(USER_TIME_ZONE);

  wiredSlots;
  slots;
  slotsErrorText;
  selectedSlot;

  patientName = '';
  patientPhone = '';
  patientEmail = '';
  smsConsent = false;

  booking = false;
  errorText;
  confirmation;
  // Kept while the same booking is retried (e.g. after a timeout) so the service books it once.
  idempotencyKey;

  @wire(getBookableTypes)
  wiredTypes({ data, error }) {
    this.types = data || [];
    this.typesErrorText = error ? errorMessage(error) : undefined;
  }

  @wire(getResources, { typeId: '$typeId' })
  wiredResources({ data }) {
    this.resources = data || [];
  }

  @wire(getSlots, { typeId: '$typeId', resourceId: '$resourceParam', day: '$day', timeZone: '$timeZone' })
  wiredGetSlots(result) {
    this.wiredSlots = result;
    this.slots = result.data;
    this.slotsErrorText = result.error ? errorMessage(result.error) : undefined;
    // After a refresh the chosen time may have been taken by someone else.
    if (this.selectedSlot && !(this.slots || []).some((slot) => slot.start === this.selectedSlot.start)) {
      this.selectedSlot = undefined;
    }
  }

  // Prefill the patient from the Contact or Lead (not for Accounts).
  @wire(getRecord, { recordId: '$personId', optionalFields: '$prefillFields' })
  wiredPerson({ data }) {
    if (!data) {
      return;
    }
    const value = (field) => data.fields[field] && data.fields[field].value;
    this.patientName = this.patientName || value('Name') || '';
    this.patientPhone = this.patientPhone || value('MobilePhone') || value('Phone') || '';
    this.patientEmail = this.patientEmail || value('Email') || '';
  }

  get isPerson() {
    return PERSON_OBJECTS.includes(this.objectApiName);
  }

  get personId() {
    return this.isPerson ? this.recordId : undefined;
  }

  get prefillFields() {
    return this.isPerson
      ? ['Name', 'MobilePhone', 'Phone', 'Email'].map((field) => `${this.objectApiName}.${field}`)
      : undefined;
  }

  get resourceParam() {
    return this.resourceId || null;
  }

  get typeOptions() {
    return this.types.map((type) => ({
      label: formatLabel(TYPE_OPTION, type.Name, type.Duration_Minutes__c),
      value: type.Id,
    }));
  }

  get resourceOptions() {
    return [{ label: ANY_RESOURCE, value: '' }, ...this.resources.map((r) => ({ label: r.Name, value: r.Id }))];
  }

  get showForm() {
    return !this.confirmation;
  }

  get needsType() {
    return !this.typeId;
  }

  get selectedStart() {
    return this.selectedSlot && this.selectedSlot.start;
  }

  // The service needs a phone number or an e-mail address, and a phone number for SMS consent.
  get phoneRequired() {
    return this.smsConsent || !this.patientEmail;
  }

  get emailRequired() {
    return !this.patientPhone;
  }

  get bookDisabled() {
    return !this.selectedSlot || this.booking;
  }

  clearSlots() {
    this.slots = undefined;
    this.selectedSlot = undefined;
    this.errorText = undefined;
    this.idempotencyKey = undefined;
  }

  handleTypeChange(event) {
    this.typeId = event.detail.value;
    this.resourceId = '';
    this.clearSlots();
  }

  handleResourceChange(event) {
    this.resourceId = event.detail.value;
    this.clearSlots();
  }

  handleDayChange(event) {
    this.day = event.detail.value;
    this.clearSlots();
  }

  handleTimeZoneChange(event) {
    this.timeZone = event.detail.value;
    this.clearSlots();
  }

  handleSlotSelect(event) {
    this.selectedSlot = this.slots.find((slot) => slot.start === event.detail.start);
    this.errorText = undefined;
    this.idempotencyKey = undefined;
  }

  handlePatientChange(event) {
    const { field } = event.target.dataset;
    this[field] = field === 'smsConsent' ? event.detail.checked : event.detail.value;
    this.idempotencyKey = undefined;
  }

  isValid() {
    return [...this.template.querySelectorAll('.patient')].reduce(
      (valid, input) => input.reportValidity() && valid,
      true,
    );
  }

  buildRequest() {
    // Empty values are left out (JSON.stringify drops undefined): Apex treats a present field as given.
    const optional = (value) => value || undefined;
    return {
      typeId: this.typeId,
      resourceId: optional(this.resourceId || this.selectedSlot.resourceId),
      start: this.selectedSlot.start,
      patientName: this.patientName,
      patientPhone: optional(this.patientPhone),
      patientEmail: optional(this.patientEmail),
      smsConsent: this.smsConsent,
      contactId: this.objectApiName === 'Contact' ? this.recordId : undefined,
      leadId: this.objectApiName === 'Lead' ? this.recordId : undefined,
      idempotencyKey: this.idempotencyKey,
    };
  }

  async handleBook() {
    if (this.bookDisabled || !this.isValid()) {
      return;
    }
    this.booking = true;
    this.errorText = undefined;
    this.idempotencyKey = this.idempotencyKey || newIdempotencyKey();
    const request = this.buildRequest();
    try {
      const result = await book({ requestJson: JSON.stringify(request) });
      const type = this.types.find((candidate) => candidate.Id === this.typeId);
      const when = formatDateTime(request.start, this.timeZone, LOCALE, { dateStyle: 'full', timeStyle: 'short' });
      this.idempotencyKey = undefined;
      this.confirmation = {
        appointmentId: result && result.appointmentId,
        message: formatLabel(BOOKED, type ? type.Name : '', request.patientName, `${when} (${this.timeZone})`),
      };
    } catch (error) {
      this.errorText = errorMessage(error);
      // The time may just have been taken: reload the times (a taken one is then deselected).
      refreshApex(this.wiredSlots);
    } finally {
      this.booking = false;
    }
  }

  handleViewAppointment() {
    this[NavigationMixin.Navigate]({
      type: 'standard__recordPage',
      attributes: {
        recordId: this.confirmation.appointmentId,
        objectApiName: 'Slotwise_Appointment__c',
        actionName: 'view',
      },
    });
  }

  handleBookAnother() {
    this.confirmation = undefined;
    this.selectedSlot = undefined;
    refreshApex(this.wiredSlots);
  }
}

// 128 random bits as hex, the idempotency key the service expects ([A-Za-z0-9_-]{16,64}).
function newIdempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
