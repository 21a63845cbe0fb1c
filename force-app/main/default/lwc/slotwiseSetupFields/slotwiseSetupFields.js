/**
 * Field definitions for the setup console's forms and tables (used by c/slotwiseRecordSection and
 * c/slotwiseRecordEditor). API names follow docs/salesforce-package.md.
 *
 * A definition: { name, label, type, required, column, createOnly, defaultValue, options, min, max,
 * step, maxLength, help }; type is one of text, textarea, number, currency, checkbox, picklist,
 * time, date, datetime, color, user, sms. `column` fields are shown in the table; `createOnly`
 * fields (master-detail parents) cannot change after the record is created.
 */
import { timeZoneOptions } from 'c/slotwiseUtils';
import NAME from '@salesforce/label/c.Slotwise_Field_Name';
import DURATION from '@salesforce/label/c.Slotwise_Field_Duration_Minutes';
import BUFFER_BEFORE from '@salesforce/label/c.Slotwise_Field_Buffer_Before_Minutes';
import BUFFER_AFTER from '@salesforce/label/c.Slotwise_Field_Buffer_After_Minutes';
import SLOT_INTERVAL from '@salesforce/label/c.Slotwise_Field_Slot_Interval_Minutes';
import MINIMUM_NOTICE from '@salesforce/label/c.Slotwise_Field_Minimum_Notice_Minutes';
import BOOKING_HORIZON from '@salesforce/label/c.Slotwise_Field_Booking_Horizon_Days';
import CAPACITY from '@salesforce/label/c.Slotwise_Field_Capacity';
import PRICE from '@salesforce/label/c.Slotwise_Field_Price';
import DEPOSIT from '@salesforce/label/c.Slotwise_Field_Deposit';
import DEPOSIT_CAPTURE from '@salesforce/label/c.Slotwise_Field_Deposit_Capture';
import ACTIVE from '@salesforce/label/c.Slotwise_Field_Active';
import AGENDA_SMS_TIME from '@salesforce/label/c.Slotwise_Field_Agenda_SMS_Time';
import ALERT_NEW from '@salesforce/label/c.Slotwise_Field_Alert_New';
import ALERT_CANCELLED from '@salesforce/label/c.Slotwise_Field_Alert_Cancelled';
import ALERT_RESCHEDULED from '@salesforce/label/c.Slotwise_Field_Alert_Rescheduled';
import PUBLIC from '@salesforce/label/c.Slotwise_Field_Public';
import SLUG from '@salesforce/label/c.Slotwise_Field_Slug';
import DESCRIPTION from '@salesforce/label/c.Slotwise_Field_Description';
import KIND from '@salesforce/label/c.Slotwise_Field_Kind';
import USER from '@salesforce/label/c.Slotwise_Field_User';
import TIME_ZONE from '@salesforce/label/c.Slotwise_Field_Time_Zone';
import RESOURCE from '@salesforce/label/c.Slotwise_Field_Resource';
import APPOINTMENT_TYPE from '@salesforce/label/c.Slotwise_Field_Appointment_Type';
import WEEKDAY from '@salesforce/label/c.Slotwise_Field_Weekday';
import START_TIME from '@salesforce/label/c.Slotwise_Field_Start_Time';
import END_TIME from '@salesforce/label/c.Slotwise_Field_End_Time';
import EFFECTIVE_FROM from '@salesforce/label/c.Slotwise_Field_Effective_From';
import EFFECTIVE_TO from '@salesforce/label/c.Slotwise_Field_Effective_To';
import START from '@salesforce/label/c.Slotwise_Field_Start';
import END from '@salesforce/label/c.Slotwise_Field_End';
import REASON from '@salesforce/label/c.Slotwise_Field_Reason';
import AUDIENCE from '@salesforce/label/c.Slotwise_Field_Audience';
import OFFSET from '@salesforce/label/c.Slotwise_Field_Offset_Minutes';
import TEMPLATE from '@salesforce/label/c.Slotwise_Field_Template';
import TEMPLATE_HELP from '@salesforce/label/c.Slotwise_Field_Template_Help';
import IF_PAST from '@salesforce/label/c.Slotwise_Field_If_Past';
import PUBLIC_NAME from '@salesforce/label/c.Slotwise_Field_Public_Name';
import PUBLIC_SLUG from '@salesforce/label/c.Slotwise_Field_Public_Slug';
import BRAND_COLOR from '@salesforce/label/c.Slotwise_Field_Brand_Color';
import CONSENT_TEXT from '@salesforce/label/c.Slotwise_Field_Consent_Text';
import CONSENT_VERSION from '@salesforce/label/c.Slotwise_Field_Consent_Text_Version';
import QUIET_START from '@salesforce/label/c.Slotwise_Field_Quiet_Hours_Start';
import QUIET_END from '@salesforce/label/c.Slotwise_Field_Quiet_Hours_End';
import NOTIFY_STAFF_OF_REPLIES from '@salesforce/label/c.Slotwise_Field_Notify_Staff_Of_Replies';
import DEFAULT_TIME_ZONE from '@salesforce/label/c.Slotwise_Field_Default_Time_Zone';
import CONTACT_MATCHING from '@salesforce/label/c.Slotwise_Field_Contact_Matching';
import CANCELLATION_CUTOFF from '@salesforce/label/c.Slotwise_Field_Cancellation_Cutoff_Hours';
import ALL_TYPES from '@salesforce/label/c.Slotwise_Option_All_Types';
import CAPTURE_AT_BOOKING from '@salesforce/label/c.Slotwise_Option_Capture_At_Booking';
import AUTHORIZE_THEN_CAPTURE from '@salesforce/label/c.Slotwise_Option_Authorize_Then_Capture';
import STAFF from '@salesforce/label/c.Slotwise_Option_Staff';
import ROOM from '@salesforce/label/c.Slotwise_Option_Room';
import EQUIPMENT from '@salesforce/label/c.Slotwise_Option_Equipment';
import MONDAY from '@salesforce/label/c.Slotwise_Option_Monday';
import TUESDAY from '@salesforce/label/c.Slotwise_Option_Tuesday';
import WEDNESDAY from '@salesforce/label/c.Slotwise_Option_Wednesday';
import THURSDAY from '@salesforce/label/c.Slotwise_Option_Thursday';
import FRIDAY from '@salesforce/label/c.Slotwise_Option_Friday';
import SATURDAY from '@salesforce/label/c.Slotwise_Option_Saturday';
import SUNDAY from '@salesforce/label/c.Slotwise_Option_Sunday';
import CLOSED from '@salesforce/label/c.Slotwise_Option_Closed';
import EXTRA_HOURS from '@salesforce/label/c.Slotwise_Option_Extra_Hours';
import PATIENT from '@salesforce/label/c.Slotwise_Option_Patient';
import SKIP from '@salesforce/label/c.Slotwise_Option_Skip';
import SEND_NOW from '@salesforce/label/c.Slotwise_Option_Send_Now';
import MATCH_OR_CREATE_LEAD from '@salesforce/label/c.Slotwise_Option_Match_Or_Create_Lead';
import MATCH_OR_CREATE_CONTACT from '@salesforce/label/c.Slotwise_Option_Match_Or_Create_Contact';
import MATCH_ONLY from '@salesforce/label/c.Slotwise_Option_Match_Only';

const option = (value, label) => ({ value, label });
// Computed once: every IANA zone the browser knows.
const TIME_ZONES = timeZoneOptions();

const WEEKDAYS = [
  option('Monday', MONDAY),
  option('Tuesday', TUESDAY),
  option('Wednesday', WEDNESDAY),
  option('Thursday', THURSDAY),
  option('Friday', FRIDAY),
  option('Saturday', SATURDAY),
  option('Sunday', SUNDAY),
];

// Lookups are chosen from records already loaded by getSetup: [{ Id, Name }] -> options.
export function recordOptions(records) {
  return (records || []).map((record) => option(record.Id, record.Name));
}

/** Slotwise_Appointment_Type__c */
export function appointmentTypeFields() {
  return [
    { name: 'Name', label: NAME, type: 'text', required: true, column: true, maxLength: 80 },
    { name: 'Duration_Minutes__c', label: DURATION, type: 'number', required: true, column: true, min: 1, max: 9999 },
    { name: 'Buffer_Before_Minutes__c', label: BUFFER_BEFORE, type: 'number', min: 0, max: 9999, defaultValue: 0 },
    { name: 'Buffer_After_Minutes__c', label: BUFFER_AFTER, type: 'number', min: 0, max: 9999, defaultValue: 0 },
    { name: 'Slot_Interval_Minutes__c', label: SLOT_INTERVAL, type: 'number', min: 1, max: 9999, defaultValue: 15 },
    { name: 'Minimum_Notice_Minutes__c', label: MINIMUM_NOTICE, type: 'number', min: 0, max: 999999, defaultValue: 60 },
    { name: 'Booking_Horizon_Days__c', label: BOOKING_HORIZON, type: 'number', min: 1, max: 9999, defaultValue: 60 },
    { name: 'Capacity__c', label: CAPACITY, type: 'number', min: 1, max: 9999, defaultValue: 1 },
    { name: 'Price__c', label: PRICE, type: 'currency', column: true, min: 0 },
    { name: 'Deposit__c', label: DEPOSIT, type: 'currency', min: 0 },
    {
      name: 'Deposit_Capture__c',
      label: DEPOSIT_CAPTURE,
      type: 'picklist',
      options: [
        option('Capture at booking', CAPTURE_AT_BOOKING),
        option('Authorize then capture', AUTHORIZE_THEN_CAPTURE),
      ],
    },
    { name: 'Active__c', label: ACTIVE, type: 'checkbox', column: true, defaultValue: true },
    { name: 'Public__c', label: PUBLIC, type: 'checkbox', column: true, defaultValue: false },
    { name: 'Slug__c', label: SLUG, type: 'text', maxLength: 80 },
    { name: 'Description__c', label: DESCRIPTION, type: 'textarea', maxLength: 2000 },
  ];
}

/** Slotwise_Resource__c */
export function resourceFields() {
  return [
    { name: 'Name', label: NAME, type: 'text', required: true, column: true, maxLength: 80 },
    {
      name: 'Kind__c',
      label: KIND,
      type: 'picklist',
      required: true,
      column: true,
      defaultValue: 'Staff',
      options: [option('Staff', STAFF), option('Room', ROOM), option('Equipment', EQUIPMENT)],
    },
    { name: 'User__c', label: USER, type: 'user' },
    {
      name: 'Time_Zone__c',
      label: TIME_ZONE,
      type: 'picklist',
      required: true,
      column: true,
      options: TIME_ZONES,
    },
    { name: 'Active__c', label: ACTIVE, type: 'checkbox', column: true, defaultValue: true },
    // Staff SMS, to the linked user's mobile (docs/sms.md): the day's agenda at a local time, and alerts.
    { name: 'Agenda_SMS_Time__c', label: AGENDA_SMS_TIME, type: 'time' },
    { name: 'Alert_New__c', label: ALERT_NEW, type: 'checkbox', defaultValue: false },
    { name: 'Alert_Cancelled__c', label: ALERT_CANCELLED, type: 'checkbox', defaultValue: false },
    { name: 'Alert_Rescheduled__c', label: ALERT_RESCHEDULED, type: 'checkbox', defaultValue: false },
  ];
}

/** Slotwise_Resource_Type__c: which appointment types a resource offers. */
export function resourceTypeFields(resources, types) {
  return [
    {
      name: 'Resource__c',
      label: RESOURCE,
      type: 'picklist',
      required: true,
      column: true,
      createOnly: true,
      options: recordOptions(resources),
    },
    {
      name: 'Appointment_Type__c',
      label: APPOINTMENT_TYPE,
      type: 'picklist',
      required: true,
      column: true,
      createOnly: true,
      options: recordOptions(types),
    },
  ];
}

/** Slotwise_Availability_Rule__c: weekly hours. */
export function availabilityRuleFields(resources) {
  return [
    {
      name: 'Resource__c',
      label: RESOURCE,
      type: 'picklist',
      required: true,
      column: true,
      createOnly: true,
      options: recordOptions(resources),
    },
    { name: 'Weekday__c', label: WEEKDAY, type: 'picklist', required: true, column: true, options: WEEKDAYS },
    { name: 'Start_Time__c', label: START_TIME, type: 'time', required: true, column: true },
    { name: 'End_Time__c', label: END_TIME, type: 'time', required: true, column: true },
    { name: 'Effective_From__c', label: EFFECTIVE_FROM, type: 'date', column: true },
    { name: 'Effective_To__c', label: EFFECTIVE_TO, type: 'date', column: true },
  ];
}

/** Slotwise_Availability_Exception__c: closures and extra hours. */
export function availabilityExceptionFields(resources) {
  return [
    {
      name: 'Resource__c',
      label: RESOURCE,
      type: 'picklist',
      required: true,
      column: true,
      createOnly: true,
      options: recordOptions(resources),
    },
    {
      name: 'Kind__c',
      label: KIND,
      type: 'picklist',
      required: true,
      column: true,
      defaultValue: 'Closed',
      options: [option('Closed', CLOSED), option('Extra Hours', EXTRA_HOURS)],
    },
    { name: 'Start__c', label: START, type: 'datetime', required: true, column: true },
    { name: 'End__c', label: END, type: 'datetime', required: true, column: true },
    { name: 'Reason__c', label: REASON, type: 'text', column: true, maxLength: 255 },
  ];
}

/** Slotwise_Reminder_Rule__c; the template is edited with the live SMS preview. */
export function reminderRuleFields(types) {
  return [
    { name: 'Name', label: NAME, type: 'text', required: true, column: true, maxLength: 80 },
    {
      name: 'Audience__c',
      label: AUDIENCE,
      type: 'picklist',
      required: true,
      column: true,
      defaultValue: 'Patient',
      options: [option('Patient', PATIENT), option('Staff', STAFF)],
    },
    { name: 'Offset_Minutes__c', label: OFFSET, type: 'number', required: true, column: true, min: 0, max: 999999 },
    {
      name: 'Appointment_Type__c',
      label: APPOINTMENT_TYPE,
      type: 'picklist',
      column: true,
      options: [option('', ALL_TYPES), ...recordOptions(types)],
    },
    { name: 'Template__c', label: TEMPLATE, type: 'sms', required: true, maxLength: 1600, help: TEMPLATE_HELP },
    {
      name: 'If_Past__c',
      label: IF_PAST,
      type: 'picklist',
      defaultValue: 'Skip',
      options: [option('Skip', SKIP), option('Send Now', SEND_NOW)],
    },
    { name: 'Active__c', label: ACTIVE, type: 'checkbox', column: true, defaultValue: true },
  ];
}

/** Slotwise_Booking_Page__c (one record per org). */
export function bookingPageFields() {
  return [
    { name: 'Name', label: PUBLIC_NAME, type: 'text', required: true, maxLength: 80 },
    { name: 'Public_Slug__c', label: PUBLIC_SLUG, type: 'text', maxLength: 80 },
    { name: 'Brand_Color__c', label: BRAND_COLOR, type: 'color', defaultValue: '#1B5FA8' },
    { name: 'Consent_Text__c', label: CONSENT_TEXT, type: 'textarea', maxLength: 2000 },
    { name: 'Consent_Text_Version__c', label: CONSENT_VERSION, type: 'text', maxLength: 40 },
    { name: 'Quiet_Hours_Start__c', label: QUIET_START, type: 'time', defaultValue: '21:00:00.000Z' },
    { name: 'Quiet_Hours_End__c', label: QUIET_END, type: 'time', defaultValue: '08:00:00.000Z' },
    { name: 'Default_Time_Zone__c', label: DEFAULT_TIME_ZONE, type: 'picklist', options: TIME_ZONES },
    {
      name: 'Contact_Matching__c',
      label: CONTACT_MATCHING,
      type: 'picklist',
      defaultValue: 'Match or create Lead',
      options: [
        option('Match or create Lead', MATCH_OR_CREATE_LEAD),
        option('Match or create Contact', MATCH_OR_CREATE_CONTACT),
        option('Match only', MATCH_ONLY),
      ],
    },
    {
      name: 'Cancellation_Cutoff_Hours__c',
      label: CANCELLATION_CUTOFF,
      type: 'number',
      min: 0,
      max: 9999,
      defaultValue: 24,
    },
    { name: 'Notify_Staff_Of_Replies__c', label: NOTIFY_STAFF_OF_REPLIES, type: 'checkbox', defaultValue: false },
  ];
}
