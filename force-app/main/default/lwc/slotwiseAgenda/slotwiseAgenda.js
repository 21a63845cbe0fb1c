import { LightningElement, wire } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { refreshApex } from '@salesforce/apex';
import getResources from '@salesforce/apex/SlotwiseBookController.getResources';
import getAgenda from '@salesforce/apex/SlotwiseAgendaController.getAgenda';
import setStatus from '@salesforce/apex/SlotwiseAgendaController.setStatus';
import USER_ID from '@salesforce/user/Id';
import USER_TIME_ZONE from '@salesforce/i18n/timeZone';
import LOCALE from '@salesforce/i18n/locale';
import {
  addDays,
  dayInZone,
  errorMessage,
  formatDateTime,
  formatDay,
  formatLabel,
  formatTime,
  startOfWeek,
} from 'c/slotwiseUtils';
import TITLE from '@salesforce/label/c.Slotwise_Agenda_Title';
import RESOURCE from '@salesforce/label/c.Slotwise_Field_Resource';
import VIEW from '@salesforce/label/c.Slotwise_Agenda_View';
import DAY from '@salesforce/label/c.Slotwise_Agenda_Day';
import WEEK from '@salesforce/label/c.Slotwise_Agenda_Week';
import DATE from '@salesforce/label/c.Slotwise_Book_Date';
import PREVIOUS from '@salesforce/label/c.Slotwise_Agenda_Previous';
import NEXT from '@salesforce/label/c.Slotwise_Agenda_Next';
import TODAY from '@salesforce/label/c.Slotwise_Agenda_Today';
import TIMES_IN from '@salesforce/label/c.Slotwise_Agenda_Times_In';
import TIME from '@salesforce/label/c.Slotwise_Agenda_Time';
import PATIENT from '@salesforce/label/c.Slotwise_Agenda_Patient';
import TYPE from '@salesforce/label/c.Slotwise_Field_Appointment_Type';
import STATUS from '@salesforce/label/c.Slotwise_Agenda_Status';
import CHANGE_STATUS from '@salesforce/label/c.Slotwise_Agenda_Change_Status';
import CHANGE_STATUS_FOR from '@salesforce/label/c.Slotwise_Agenda_Change_Status_For';
import NO_APPOINTMENTS from '@salesforce/label/c.Slotwise_Agenda_No_Appointments';
import NO_RESOURCES from '@salesforce/label/c.Slotwise_Agenda_No_Resources';
import LOADING from '@salesforce/label/c.Slotwise_Loading';
import REFRESH from '@salesforce/label/c.Slotwise_Refresh';
import STATUS_UPDATED from '@salesforce/label/c.Slotwise_Agenda_Status_Updated';
import STATUS_FAILED from '@salesforce/label/c.Slotwise_Agenda_Status_Failed';
import SCHEDULED from '@salesforce/label/c.Slotwise_Status_Scheduled';
import CONFIRMED from '@salesforce/label/c.Slotwise_Status_Confirmed';
import CANCELLED from '@salesforce/label/c.Slotwise_Status_Cancelled';
import COMPLETED from '@salesforce/label/c.Slotwise_Status_Completed';
import NO_SHOW from '@salesforce/label/c.Slotwise_Status_No_Show';

const STATUSES = [
  { value: 'Scheduled', label: SCHEDULED, badge: '' },
  { value: 'Confirmed', label: CONFIRMED, badge: 'slds-theme_success' },
  { value: 'Cancelled', label: CANCELLED, badge: 'slds-theme_error' },
  { value: 'Completed', label: COMPLETED, badge: 'slds-badge_inverse' },
  { value: 'No-show', label: NO_SHOW, badge: 'slds-theme_warning' },
];

/**
 * A staff member's day or week (Monday to Sunday).
 *
 * Apex shapes relied on: SlotwiseBookController.getResources(null) returns every active
 * Slotwise_Resource__c { Id, Name, Time_Zone__c, User__c }; SlotwiseAgendaController.getAgenda(
 * resourceId, startDay 'YYYY-MM-DD', days) returns Slotwise_Appointment__c[] { Id, Name, Start__c,
 * End__c, Status__c, Patient_Name__c, Appointment_Type__r.Name } whose days run midnight to midnight
 * in the user's time zone, so appointments are grouped by the user's days and their times are shown
 * in the resource's zone (with the weekday when that falls on another date); setStatus(
 * appointmentId, status) changes one.
 */
export default class SlotwiseAgenda extends LightningElement {
  labels = {
    TITLE,
    RESOURCE,
    VIEW,
    DATE,
    PREVIOUS,
    NEXT,
    TODAY,
    TIME,
    PATIENT,
    TYPE,
    STATUS,
    CHANGE_STATUS,
    NO_APPOINTMENTS,
    NO_RESOURCES,
    LOADING,
    REFRESH,
  };
  viewOptions = [
    { label: DAY, value: 'day' },
    { label: WEEK, value: 'week' },
  ];
  statusOptions = STATUSES.map(({ value, label }) => ({ value, label }));

  resources;
  resourceId;
  view = 'day';
  day = dayInZone(new Date(), USER_TIME_ZONE);
  wiredAgenda;
  appointments;
  errorText;
  updatingId;
  statusMessage = '';

  @wire(getResources, { typeId: null })
  wiredResources({ data, error }) {
    if (data) {
      this.resources = data;
      if (!this.resourceId && data.length > 0) {
        const own = data.find((resource) => resource.User__c === USER_ID);
        this.resourceId = (own || data[0]).Id;
      }
    }
    if (error) {
      this.errorText = errorMessage(error);
    }
  }

  @wire(getAgenda, { resourceId: '$resourceId', startDay: '$startDay', days: '$days' })
  wiredGetAgenda(result) {
    this.wiredAgenda = result;
    this.appointments = result.data;
    this.errorText = result.error ? errorMessage(result.error) : undefined;
  }

  get startDay() {
    return this.view === 'week' ? startOfWeek(this.day) : this.day;
  }

  get days() {
    return this.view === 'week' ? 7 : 1;
  }

  get resourceOptions() {
    return (this.resources || []).map((resource) => ({ label: resource.Name, value: resource.Id }));
  }

  get noResources() {
    return !!this.resources && this.resources.length === 0;
  }

  get timeZone() {
    const resource = (this.resources || []).find((candidate) => candidate.Id === this.resourceId);
    return (resource && resource.Time_Zone__c) || USER_TIME_ZONE;
  }

  get timesIn() {
    return formatLabel(TIMES_IN, this.timeZone);
  }

  get isLoading() {
    return !!this.resourceId && !this.appointments && !this.errorText;
  }

  get agendaDays() {
    if (!this.appointments) {
      return [];
    }
    const rows = [...this.appointments]
      .sort((a, b) => a.Start__c.localeCompare(b.Start__c))
      .map((appointment) => this.toRow(appointment));
    return Array.from({ length: this.days }, (unused, index) => {
      const day = addDays(this.startDay, index);
      const appointments = rows.filter((row) => row.day === day);
      return { day, label: formatDay(day, LOCALE), appointments, hasAppointments: appointments.length > 0 };
    });
  }

  toRow(appointment) {
    const zone = this.timeZone;
    const day = dayInZone(appointment.Start__c, USER_TIME_ZONE);
    const sameDate = dayInZone(appointment.Start__c, zone) === day;
    const start = sameDate
      ? formatTime(appointment.Start__c, zone, LOCALE)
      : formatDateTime(appointment.Start__c, zone, LOCALE, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
    const time = `${start} – ${formatTime(appointment.End__c, zone, LOCALE)}`;
    const status = STATUSES.find((candidate) => candidate.value === appointment.Status__c);
    return {
      id: appointment.Id,
      day,
      time,
      patient: appointment.Patient_Name__c,
      type: appointment.Appointment_Type__r && appointment.Appointment_Type__r.Name,
      status: appointment.Status__c,
      statusLabel: status ? status.label : appointment.Status__c,
      badgeClass: status ? status.badge : '',
      changeLabel: formatLabel(CHANGE_STATUS_FOR, appointment.Patient_Name__c || appointment.Name, time),
      updating: this.updatingId === appointment.Id,
    };
  }

  handleResourceChange(event) {
    this.resourceId = event.detail.value;
    this.appointments = undefined;
  }

  handleViewChange(event) {
    this.view = event.detail.value;
    this.appointments = undefined;
  }

  handleDayChange(event) {
    if (event.detail.value) {
      this.day = event.detail.value;
      this.appointments = undefined;
    }
  }

  handlePrevious() {
    this.day = addDays(this.day, -this.days);
    this.appointments = undefined;
  }

  handleNext() {
    this.day = addDays(this.day, this.days);
    this.appointments = undefined;
  }

  handleToday() {
    this.day = dayInZone(new Date(), USER_TIME_ZONE);
    this.appointments = undefined;
  }

  handleRefresh() {
    return refreshApex(this.wiredAgenda);
  }

  async handleStatusChange(event) {
    const appointmentId = event.target.dataset.id;
    const status = event.detail.value;
    this.updatingId = appointmentId;
    this.statusMessage = '';
    try {
      await setStatus({ appointmentId, status });
      this.statusMessage = STATUS_UPDATED;
      this.dispatchEvent(new ShowToastEvent({ title: STATUS_UPDATED, variant: 'success' }));
    } catch (error) {
      this.statusMessage = errorMessage(error);
      this.dispatchEvent(new ShowToastEvent({ title: STATUS_FAILED, message: this.statusMessage, variant: 'error' }));
    } finally {
      this.updatingId = undefined;
      // Also after a failure, so the combobox shows the stored status again.
      await refreshApex(this.wiredAgenda);
    }
  }
}
