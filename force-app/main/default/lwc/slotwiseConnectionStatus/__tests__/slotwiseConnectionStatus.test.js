import { getNavigateCalledWith } from 'lightning/navigation';
import SlotwiseConnectionStatus from 'c/slotwiseConnectionStatus';
import { $, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/label/c.Slotwise_Api_Usage_Of', () => ({ default: '{0} of {1}' }), { virtual: true });

// SlotwiseSetupController.getStatus() for a connected org, and for an org the service does not know.
const CONNECTED = {
  connected: true,
  reachable: true,
  connectUrl: 'https://slotwise.example.com/connect',
  orgId: '00D000000000001AAA',
  lastSync: '2025-03-10T09:00:00.000Z',
  outboxDepth: 3,
  apiCallsUsed: 1200,
  apiCallsLimit: 15000,
};
const NOT_CONNECTED = {
  connected: false,
  reachable: true,
  connectUrl: 'https://slotwise.example.com/connect',
  message: 'This org is not connected to Slotwise. Ask your Slotwise admin to connect it.',
};

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

  it('shows a connected org that has never synced and has no API limit', () => {
    const element = createStatus({
      status: { ...CONNECTED, lastSync: null, outboxDepth: 0, apiCallsUsed: 7, apiCallsLimit: null },
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
});
