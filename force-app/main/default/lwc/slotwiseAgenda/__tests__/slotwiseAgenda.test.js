import { refreshApex } from '@salesforce/apex';
import SlotwiseAgenda from 'c/slotwiseAgenda';
import getResources from '@salesforce/apex/SlotwiseBookController.getResources';
import getAgenda from '@salesforce/apex/SlotwiseAgendaController.getAgenda';
import setStatus from '@salesforce/apex/SlotwiseAgendaController.setStatus';
import { $, $$, flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseBookController.getResources', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseAgendaController.getAgenda', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseAgendaController.setStatus', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });
jest.mock('@salesforce/user/Id', () => ({ default: '005000000000002AAA' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Agenda_Times_In', () => ({ default: 'Times in {0}' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Agenda_Change_Status_For', () => ({ default: 'Status of {0} at {1}' }), {
  virtual: true,
});

const RESOURCES = require('./data/getResources.json');
const APPOINTMENTS = require('./data/getAgenda.json');

const change = (input, value) => input.dispatchEvent(new CustomEvent('change', { detail: { value } }));

async function createAgenda() {
  const element = mount('c-slotwise-agenda', SlotwiseAgenda);
  getResources.emit(RESOURCES);
  await flushPromises();
  return element;
}

describe('c-slotwise-agenda', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it("opens on the user's own resource, today, day view", async () => {
    const element = await createAgenda();
    expect(getResources.getLastConfig()).toEqual({ typeId: null });
    expect($(element, 'lightning-combobox.resource').value).toBe('a02000000000002AAA');
    expect($(element, 'lightning-combobox.resource').options).toEqual([
      { label: 'Room 1', value: 'a02000000000001AAA' },
      { label: 'Dr Patel', value: 'a02000000000002AAA' },
    ]);
    expect($(element, 'lightning-radio-group.view').value).toBe('day');
    expect($(element, '.times-in').textContent).toBe('Times in Europe/London');
    const config = getAgenda.getLastConfig();
    expect(config).toMatchObject({ resourceId: 'a02000000000002AAA', days: 1 });
    expect(config.startDay).toBe($(element, 'lightning-input.day').value);
    expect($(element, '.loading')).not.toBeNull();
    await expect(element).toBeAccessible();
  });

  it('lists a day of appointments in the resource time zone, with status badges', async () => {
    const element = await createAgenda();
    change($(element, 'lightning-input.day'), '2025-03-10');
    await flushPromises();
    expect(getAgenda.getLastConfig()).toEqual({ resourceId: 'a02000000000002AAA', startDay: '2025-03-10', days: 1 });

    getAgenda.emit(APPOINTMENTS.filter((appointment) => appointment.Start__c.startsWith('2025-03-10')));
    await flushPromises();

    const days = $$(element, 'section.day');
    expect(days).toHaveLength(1);
    expect(days[0].querySelector('h2').textContent).toBe('Monday, March 10');
    const rows = days[0].querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0].querySelector('.time').textContent).toMatch(/^9:00\sAM – 9:30\sAM$/);
    expect(rows[0].querySelector('.patient').textContent).toBe('Ada Lovelace');
    expect(rows[0].querySelector('.type').textContent).toBe('Consultation');
    expect(rows[0].querySelector('lightning-badge').label).toBe('c.Slotwise_Status_Scheduled');
    expect(rows[1].querySelector('.time').textContent).toMatch(/^11:30\sPM – 12:00\sAM$/);
    expect(rows[1].querySelector('lightning-badge').className).toContain('slds-theme_warning');
    const status = rows[0].querySelector('lightning-combobox.status');
    expect(status.value).toBe('Scheduled');
    expect(status.label).toMatch(/^Status of Ada Lovelace at 9:00/);
    expect(status.options.map((option) => option.value)).toEqual([
      'Scheduled',
      'Confirmed',
      'Cancelled',
      'Completed',
      'No-show',
    ]);
    await expect(element).toBeAccessible();
  });

  it('shows a week from Monday, grouped by the user days, with times in the resource zone', async () => {
    const element = await createAgenda();
    change($(element, 'lightning-input.day'), '2025-03-12');
    change($(element, 'lightning-combobox.resource'), 'a02000000000001AAA'); // Asia/Tokyo
    change($(element, 'lightning-radio-group.view'), 'week');
    await flushPromises();
    expect(getAgenda.getLastConfig()).toEqual({ resourceId: 'a02000000000001AAA', startDay: '2025-03-10', days: 7 });

    getAgenda.emit(APPOINTMENTS);
    await flushPromises();

    const days = $$(element, 'section.day');
    expect(days).toHaveLength(7);
    expect(days.map((day) => day.querySelector('h2').textContent)).toEqual([
      'Monday, March 10',
      'Tuesday, March 11',
      'Wednesday, March 12',
      'Thursday, March 13',
      'Friday, March 14',
      'Saturday, March 15',
      'Sunday, March 16',
    ]);
    const patientsByDay = days.map((day) => [...day.querySelectorAll('.patient')].map((cell) => cell.textContent));
    // The user (America/Los_Angeles) sees all three on their Monday and Wednesday.
    expect(patientsByDay).toEqual([['Ada Lovelace', 'Alan Turing'], [], ['Grace Hopper'], [], [], [], []]);
    const times = [...days[0].querySelectorAll('.time')].map((cell) => cell.textContent);
    expect(times[0]).toMatch(/^6:00\sPM – 6:30\sPM$/);
    // 23:30 UTC on the 10th is already Tuesday morning in Tokyo.
    expect(times[1]).toMatch(/^Tue 8:30\sAM – 9:00\sAM$/);
    expect(days[1].querySelector('.empty').textContent).toBe('c.Slotwise_Agenda_No_Appointments');
    expect($(element, '.times-in').textContent).toBe('Times in Asia/Tokyo');
    await expect(element).toBeAccessible();
  });

  it('moves by a day or a week', async () => {
    const element = await createAgenda();
    change($(element, 'lightning-input.day'), '2025-03-12');
    await flushPromises();

    $(element, 'lightning-button-icon.next').click();
    await flushPromises();
    expect(getAgenda.getLastConfig().startDay).toBe('2025-03-13');

    change($(element, 'lightning-radio-group.view'), 'week');
    $(element, 'lightning-button-icon.previous').click();
    await flushPromises();
    expect(getAgenda.getLastConfig()).toMatchObject({ startDay: '2025-03-03', days: 7 });

    $(element, 'lightning-button.today').click();
    await flushPromises();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date());
    expect($(element, 'lightning-input.day').value).toBe(today);
  });

  it('changes the status and refreshes', async () => {
    setStatus.mockResolvedValue();
    const element = await createAgenda();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    change($(element, 'lightning-input.day'), '2025-03-10');
    getAgenda.emit(APPOINTMENTS.slice(1, 2));
    await flushPromises();

    change($(element, 'lightning-combobox.status'), 'Confirmed');
    await flushPromises();

    expect(setStatus).toHaveBeenCalledWith({ appointmentId: 'a08000000000001AAA', status: 'Confirmed' });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect($(element, '.status-message').textContent).toBe('c.Slotwise_Agenda_Status_Updated');
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });

  it('toasts a failed status change and refreshes to show the stored status', async () => {
    setStatus.mockRejectedValue({ body: { message: 'Appointment is already cancelled' } });
    const element = await createAgenda();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    change($(element, 'lightning-input.day'), '2025-03-10');
    getAgenda.emit(APPOINTMENTS.slice(1, 2));
    await flushPromises();

    change($(element, 'lightning-combobox.status'), 'Completed');
    await flushPromises();

    expect(toast.mock.calls[0][0].detail).toMatchObject({
      variant: 'error',
      message: 'Appointment is already cancelled',
    });
    expect(refreshApex).toHaveBeenCalledTimes(1);
    expect($(element, 'lightning-combobox.status').disabled).toBe(false);
  });

  it('refreshes on request', async () => {
    const element = await createAgenda();
    $(element, 'lightning-button-icon.refresh').click();
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });

  it('shows why the agenda could not be loaded', async () => {
    const element = await createAgenda();
    getAgenda.error({ message: 'Insufficient access' });
    await flushPromises();
    expect($(element, '.error').textContent).toBe('Insufficient access');
    expect($$(element, 'section.day')).toHaveLength(0);
    await expect(element).toBeAccessible();
  });

  it('shows why resources could not be loaded', async () => {
    const element = mount('c-slotwise-agenda', SlotwiseAgenda);
    getResources.error({ message: 'You do not have access to this Slotwise data.' });
    await flushPromises();
    expect($(element, '.error').textContent).toBe('You do not have access to this Slotwise data.');
  });

  it('says when there are no resources', async () => {
    const element = mount('c-slotwise-agenda', SlotwiseAgenda);
    getResources.emit([]);
    await flushPromises();
    expect($(element, '.no-resources').textContent).toBe('c.Slotwise_Agenda_No_Resources');
    expect($(element, '.loading')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
