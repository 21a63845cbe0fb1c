import { LightningElement, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getStatus from '@salesforce/apex/SlotwiseSetupController.getStatus';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';
import { errorMessage } from 'c/slotwiseUtils';
import {
  appointmentTypeFields,
  resourceFields,
  resourceTypeFields,
  availabilityRuleFields,
  availabilityExceptionFields,
  reminderRuleFields,
} from 'c/slotwiseSetupFields';
import TAB_CONNECTION from '@salesforce/label/c.Slotwise_Tab_Connection';
import TAB_TYPES from '@salesforce/label/c.Slotwise_Tab_Appointment_Types';
import TAB_RESOURCES from '@salesforce/label/c.Slotwise_Tab_Resources';
import TAB_EXCEPTIONS from '@salesforce/label/c.Slotwise_Tab_Exceptions';
import TAB_REMINDERS from '@salesforce/label/c.Slotwise_Tab_Reminder_Rules';
import TAB_BOOKING_PAGE from '@salesforce/label/c.Slotwise_Tab_Booking_Page';
import TAB_CREDITS from '@salesforce/label/c.Slotwise_Tab_Credits';
import RESOURCES from '@salesforce/label/c.Slotwise_Heading_Resources';
import RESOURCE_TYPES from '@salesforce/label/c.Slotwise_Heading_Resource_Types';
import WEEKLY_HOURS from '@salesforce/label/c.Slotwise_Heading_Weekly_Hours';
import NEW_TYPE from '@salesforce/label/c.Slotwise_New_Appointment_Type';
import NEW_RESOURCE from '@salesforce/label/c.Slotwise_New_Resource';
import NEW_RESOURCE_TYPE from '@salesforce/label/c.Slotwise_New_Resource_Type';
import NEW_WEEKLY_HOURS from '@salesforce/label/c.Slotwise_New_Weekly_Hours';
import NEW_EXCEPTION from '@salesforce/label/c.Slotwise_New_Exception';
import NEW_REMINDER_RULE from '@salesforce/label/c.Slotwise_New_Reminder_Rule';
import LOADING from '@salesforce/label/c.Slotwise_Loading';

/**
 * The admin console (shown by c-slotwise-setup to users with Manage Settings).
 *
 * SlotwiseSetupController.getSetup() returns flat lists of sObjects (children carry Resource__c):
 * { serviceUrl: String, types: Slotwise_Appointment_Type__c[], resources: Slotwise_Resource__c[],
 *   resourceTypes: Slotwise_Resource_Type__c[], rules: Slotwise_Availability_Rule__c[],
 *   exceptions: Slotwise_Availability_Exception__c[], reminderRules: Slotwise_Reminder_Rule__c[],
 *   bookingPage: Slotwise_Booking_Page__c | null }.
 * getStatus() is described in c/slotwiseConnectionStatus. Both are refreshed after every change.
 */
export default class SlotwiseSetupConsole extends LightningElement {
  labels = {
    TAB_CONNECTION,
    TAB_TYPES,
    TAB_RESOURCES,
    TAB_EXCEPTIONS,
    TAB_REMINDERS,
    TAB_BOOKING_PAGE,
    TAB_CREDITS,
    RESOURCES,
    RESOURCE_TYPES,
    WEEKLY_HOURS,
    NEW_TYPE,
    NEW_RESOURCE,
    NEW_RESOURCE_TYPE,
    NEW_WEEKLY_HOURS,
    NEW_EXCEPTION,
    NEW_REMINDER_RULE,
    LOADING,
  };

  typeFields = appointmentTypeFields();
  resourceOnlyFields = resourceFields();
  wiredStatus;
  status;
  statusError;
  wiredSetup;
  setup;
  setupErrorText;

  @wire(getStatus)
  wiredGetStatus(result) {
    this.wiredStatus = result;
    this.status = result.data;
    this.statusError = result.error;
  }

  @wire(getSetup)
  wiredGetSetup(result) {
    this.wiredSetup = result;
    this.setup = result.data;
    this.setupErrorText = result.error ? errorMessage(result.error) : undefined;
  }

  get isLoading() {
    return !this.setup && !this.setupErrorText;
  }

  list(name) {
    return (this.setup && this.setup[name]) || [];
  }

  get types() {
    return this.list('types');
  }
  get resources() {
    return this.list('resources');
  }
  get resourceTypes() {
    return this.list('resourceTypes');
  }
  get rules() {
    return this.list('rules');
  }
  get exceptions() {
    return this.list('exceptions');
  }
  get reminderRules() {
    return this.list('reminderRules');
  }
  get bookingPage() {
    return this.setup && this.setup.bookingPage;
  }
  get serviceUrl() {
    return this.setup && this.setup.serviceUrl;
  }

  get servicesFields() {
    return resourceTypeFields(this.resources, this.types);
  }
  get ruleFields() {
    return availabilityRuleFields(this.resources);
  }
  get exceptionFields() {
    return availabilityExceptionFields(this.resources);
  }
  get reminderFields() {
    return reminderRuleFields(this.types);
  }

  handleStatusRefresh() {
    return refreshApex(this.wiredStatus);
  }

  handleDataChange() {
    return Promise.all([refreshApex(this.wiredSetup), refreshApex(this.wiredStatus)]);
  }
}
