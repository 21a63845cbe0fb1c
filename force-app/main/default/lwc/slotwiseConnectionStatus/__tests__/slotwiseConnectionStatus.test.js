import { getNavigateCalledWith } from 'lightning/navigation';
import LightningConfirm from 'lightning/confirm';
import disconnect from '@salesforce/apex/SlotwiseSetupController.disconnect';
import retryRejectedWrite from '@salesforce/apex/SlotwiseSetupController.retryRejectedWrite';
import SlotwiseConnectionStatus from 'c/slotwiseConnectionStatus';
import { $, $$, flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.disconnect', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SlotwiseSetupController.retryRejectedWrite', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Slotwise_Retry_Failed', () => ({ default: 'Could not retry: {0}' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Retry_Write', () => ({ default: 'Send the refused {0} write again' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Slotwise_Api_Usage_Of', () => ({ default: '{0} of {1}' }), { virtual: true });
jest.mock(
  '@salesforce/label/c.Slotwise_Outbox_Rejected_Warning',
  () => ({ default: 'Salesforce refused {0} writes.' }),
  {
    virtual: true,
  },
);
jest.mock('@salesforce/label/c.Slotwise_Disconnect_Failed', () => ({ default: 'Could not disconnect: {0}' }), {
  virtual: true,
});

// SlotwiseSetupController.getStatus() for a connected org, and for an org the service does not know.
const CONNECTED = {
  connected: true,
  reachable: true,
  connectUrl: 'https://slotwise.example.com/connect',
  orgId: '00D000000000001AAA',
  lastSync: '2025-03-10T09:00:00.000Z',
  outboxDepth: 3,
  outboxPending: 3,
  outboxRejected: 0,
  rejectedWrites: [],
  apiCallsUsed: 1200,
  apiCallsLimit: 15000,
};
const NOT_CONNECTED = {
  connected: false,
  reachable: true,
  connectUrl: 'https://slotwise.example.com/connect',
  message: 'This org is not connected to Slotwise. Ask your Slotwise admin to connect it.',
};

// Two rejected writes as getStatus() lists them, newest first.
const REJECTED = {
  ...CONNECTED,
  outboxRejected: 2,
  rejectedWrites: [
    {
      id: 42,
      objectName: 'Slotwise_Appointment__c',
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      at: '2025-03-10T08:00:00.000Z',
    },
    {
      id: 17,
      objectName: 'Slotwise_SMS_Message__c',
      errorCode: 'REQUIRED_FIELD_MISSING',
      at: '2025-03-09T08:00:00.000Z',
    },
  ],
};

/** A promise and the functions that settle it, to look at the component while a call is in flight. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function createStatus(props) {
  return mount('c-slotwise-connection-status', SlotwiseConnectionStatus, props);
}

describe('c-slotwise-connection-status', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows a connected org with last sync, outbox depth and API usage', async () => {
    const element = createStatus({ status: CONNECTED });
    expect($(element, '.state').textContent).toContain('c.Slotwise_Connected');
    expect($(element, '.last-sync lightning-formatted-date-time').value).toBe(CONNECTED.lastSync);
    expect($(element, '.outbox').textContent).toBe('3');
    expect($(element, '.api-usage').textContent).toBe('1200 of 15000');
    expect($(element, '.message')).toBeNull();
    const connect = $(element, 'lightning-button.connect');
    expect(connect.label).toBe('c.Slotwise_Reconnect');
    expect(connect.variant).toBe('neutral');
    await expect(element).toBeAccessible();
  });

  it('shows pending and rejected counts without a warning when nothing was refused', () => {
    const element = createStatus({ status: CONNECTED });
    expect($(element, '.outbox').textContent).toBe('3');
    expect($(element, '.rejected').textContent).toBe('0');
    expect($(element, '.rejected-warning')).toBeNull();
    expect($(element, '.rejected-writes')).toBeNull();
  });

  it('takes the pending count from outboxDepth when outboxPending is missing', () => {
    const element = createStatus({ status: { ...CONNECTED, outboxPending: undefined, outboxDepth: 5 } });
    expect($(element, '.outbox').textContent).toBe('5');
  });

  it('warns about rejected writes and lists object, error code and time', async () => {
    const element = createStatus({
      status: {
        ...CONNECTED,
        outboxRejected: 7,
        rejectedWrites: [
          {
            objectName: 'Slotwise_Appointment__c',
            errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
            at: '2025-03-10T08:00:00.000Z',
          },
          {
            objectName: 'Slotwise_SMS_Message__c',
            errorCode: 'REQUIRED_FIELD_MISSING',
            at: '2025-03-09T08:00:00.000Z',
          },
        ],
      },
    });
    expect($(element, '.rejected').textContent).toBe('7');
    expect($(element, '.rejected-warning').textContent).toContain('Salesforce refused 7 writes.');
    const rows = $$(element, 'tr.rejected-write');
    expect(rows).toHaveLength(2);
    expect(rows[0].querySelector('.object-name').textContent).toBe('Slotwise_Appointment__c');
    expect(rows[0].querySelector('.error-code').textContent).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect(rows[0].querySelector('lightning-formatted-date-time').value).toBe('2025-03-10T08:00:00.000Z');
    expect(rows[1].querySelector('.error-code').textContent).toBe('REQUIRED_FIELD_MISSING');
    await expect(element).toBeAccessible();
  });

  it('shows a connected org that has never synced and has no API limit', () => {
    const element = createStatus({
      status: { ...CONNECTED, lastSync: null, outboxDepth: 0, outboxPending: 0, apiCallsUsed: 7, apiCallsLimit: null },
    });
    expect($(element, '.last-sync').textContent).toBe('c.Slotwise_Never');
    expect($(element, '.outbox').textContent).toBe('0');
    expect($(element, '.api-usage').textContent).toBe('7');
  });

  it('explains why the org is not connected and offers Connect', async () => {
    const element = createStatus({ status: NOT_CONNECTED });
    expect($(element, '.state').textContent).toContain('c.Slotwise_Not_Connected');
    expect($(element, '.message').textContent).toBe(NOT_CONNECTED.message);
    expect($(element, '.last-sync')).toBeNull();
    const connect = $(element, 'lightning-button.connect');
    expect(connect.label).toBe('c.Slotwise_Connect');
    expect(connect.variant).toBe('brand');
    expect(connect.disabled).toBe(false);
    expect($(element, 'lightning-button.disconnect')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('opens the connect URL in a new tab', () => {
    const element = createStatus({ status: NOT_CONNECTED });
    $(element, 'lightning-button.connect').click();
    expect(getNavigateCalledWith().pageReference).toEqual({
      type: 'standard__webPage',
      attributes: { url: 'https://slotwise.example.com/connect' },
    });
  });

  it('says when the service cannot be reached, and disables Connect without a URL', () => {
    const element = createStatus({
      status: { connected: false, reachable: false, message: 'Slotwise cannot be reached right now. Try again later.' },
    });
    expect($(element, '.state').textContent).toContain('c.Slotwise_Unreachable');
    expect($(element, 'lightning-button.connect').disabled).toBe(true);
  });

  it('shows the error when the status cannot be loaded', async () => {
    const element = createStatus({ error: { body: { message: 'You do not have access to this Slotwise data.' } } });
    expect($(element, '.error').textContent).toBe('You do not have access to this Slotwise data.');
    expect($(element, 'dl')).toBeNull();
    expect($(element, 'lightning-button.connect').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('asks for a refresh', () => {
    const element = createStatus({ status: CONNECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);
    $(element, 'lightning-button-icon.refresh').click();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('disconnects after confirmation and asks for a refresh', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(true);
    disconnect.mockResolvedValue();
    const element = createStatus({ status: CONNECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);

    $(element, 'lightning-button.disconnect').click();
    await flushPromises();

    expect(LightningConfirm.open).toHaveBeenCalledWith(
      expect.objectContaining({
        theme: 'warning',
        label: 'c.Slotwise_Disconnect_Title',
        message: 'c.Slotwise_Disconnect_Confirm',
      }),
    );
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect($(element, '.disconnect-error')).toBeNull();
    expect($(element, 'lightning-button.disconnect').disabled).toBe(false);
  });

  it('does not disconnect when the confirmation is cancelled', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(false);
    const element = createStatus({ status: CONNECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);

    $(element, 'lightning-button.disconnect').click();
    await flushPromises();

    expect(disconnect).not.toHaveBeenCalled();
    expect(refresh).not.toHaveBeenCalled();
  });

  it('shows why disconnecting failed and does not refresh', async () => {
    jest.spyOn(LightningConfirm, 'open').mockResolvedValue(true);
    disconnect.mockRejectedValue({ body: { message: 'Slotwise cannot be reached right now. Try again later.' } });
    const element = createStatus({ status: CONNECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);

    $(element, 'lightning-button.disconnect').click();
    await flushPromises();

    expect($(element, '.disconnect-error').textContent).toBe(
      'Could not disconnect: Slotwise cannot be reached right now. Try again later.',
    );
    expect(refresh).not.toHaveBeenCalled();
    expect($(element, 'lightning-button.disconnect').disabled).toBe(false);
    await expect(element).toBeAccessible();
  });

  it('offers Retry on each rejected write and retries the one clicked, then asks for a refresh', async () => {
    const call = deferred();
    retryRejectedWrite.mockReturnValue(call.promise);
    const element = createStatus({ status: REJECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);
    const buttons = $$(element, 'tr.rejected-write lightning-button.retry');
    expect(buttons).toHaveLength(2);
    expect(buttons[1].label).toBe('c.Slotwise_Retry');
    expect(buttons[1].title).toBe('Send the refused Slotwise_SMS_Message__c write again');

    buttons[1].click();
    await flushPromises();
    expect(retryRejectedWrite).toHaveBeenCalledTimes(1);
    expect(retryRejectedWrite).toHaveBeenCalledWith({ writeId: 17 });
    let current = $$(element, 'tr.rejected-write lightning-button.retry');
    expect(current[1].disabled).toBe(true);
    expect(current[0].disabled).toBe(false);
    expect(refresh).not.toHaveBeenCalled();

    call.resolve();
    await flushPromises();
    expect(refresh).toHaveBeenCalledTimes(1);
    current = $$(element, 'tr.rejected-write lightning-button.retry');
    expect(current[1].disabled).toBe(false);
    expect($(element, '.retry-error')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows why a retry failed and does not refresh', async () => {
    retryRejectedWrite.mockRejectedValue({
      body: { message: 'A later change to the same record replaced this write, so it cannot be sent again.' },
    });
    const element = createStatus({ status: REJECTED });
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);

    $(element, 'tr.rejected-write lightning-button.retry').click();
    await flushPromises();

    expect(retryRejectedWrite).toHaveBeenCalledWith({ writeId: 42 });
    expect($(element, '.retry-error').textContent).toBe(
      'Could not retry: A later change to the same record replaced this write, so it cannot be sent again.',
    );
    expect(refresh).not.toHaveBeenCalled();
    expect($(element, 'tr.rejected-write lightning-button.retry').disabled).toBe(false);
    await expect(element).toBeAccessible();

    retryRejectedWrite.mockResolvedValue();
    $(element, 'tr.rejected-write lightning-button.retry').click();
    await flushPromises();
    expect($(element, '.retry-error')).toBeNull();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('offers no Retry for a write without an id (an older service)', () => {
    const element = createStatus({
      status: {
        ...CONNECTED,
        outboxRejected: 1,
        rejectedWrites: [{ objectName: 'Slotwise_Appointment__c', errorCode: 'X', at: '2025-03-10T08:00:00.000Z' }],
      },
    });
    expect($$(element, 'tr.rejected-write')).toHaveLength(1);
    expect($(element, 'lightning-button.retry')).toBeNull();
  });
});
