import { getNavigateCalledWith } from 'lightning/navigation';
import { refreshApex } from '@salesforce/apex';
import SlotwiseCredits from 'c/slotwiseCredits';
import getCredits from '@salesforce/apex/SlotwiseSetupController.getCredits';
import getPurchaseLink from '@salesforce/apex/SlotwiseSetupController.getPurchaseLink';
import getCreditHistory from '@salesforce/apex/SlotwiseSetupController.getCreditHistory';
import { flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getCredits', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getPurchaseLink', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/SlotwiseSetupController.getCreditHistory',
  () => ({ default: jest.fn(() => Promise.resolve({ entries: [], nextCursor: null })) }),
  { virtual: true },
);
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });
jest.mock('@salesforce/customPermission/Slotwise_Buy_Credits', () => ({ default: true }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Credits_Balance_Value', () => ({ default: '{0} credits' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Slotwise_Credits_Paused_Many', () => ({ default: '{0} reminders are waiting' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Slotwise_Credits_Pack_Option', () => ({ default: '{0} credits for {1}' }), {
  virtual: true,
});

const CREDITS = {
  balance: 12500,
  lowBalanceThreshold: 100,
  packs: [
    { packId: 'pack_1000', credits: 1000, amount: 10, currencyCode: 'USD' },
    { packId: 'pack_5000', credits: 5000, amount: 45.5, currencyCode: 'USD' },
  ],
};
const LINK = 'https://slotwise.example.com/credits/buy?sig=abc';

function createCredits() {
  return mount('c-slotwise-credits', SlotwiseCredits);
}

describe('c-slotwise-credits (with Buy Credits)', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows loading, then the balance', async () => {
    const element = createCredits();
    expect(element.shadowRoot.querySelector('.loading')).not.toBeNull();

    getCredits.emit(CREDITS);
    await flushPromises();

    expect(element.shadowRoot.querySelector('.loading')).toBeNull();
    expect(element.shadowRoot.querySelector('.balance').textContent).toContain('12,500 credits');
    expect(element.shadowRoot.querySelector('.low-balance')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-combobox.pack').options).toEqual([
      { label: 'c.Slotwise_Credits_Any_Pack', value: '' },
      { label: '1,000 credits for $10.00', value: 'pack_1000' },
      { label: '5,000 credits for $45.50', value: 'pack_5000' },
    ]);
    expect(element.shadowRoot.querySelector('lightning-button.buy').disabled).toBe(false);
    expect(element.shadowRoot.querySelector('.no-permission')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('warns in a banner when the balance is at the threshold', async () => {
    const element = createCredits();
    getCredits.emit({ ...CREDITS, balance: 100, remindersPaused: false, pausedReminders: 0 });
    await flushPromises();
    const alert = element.shadowRoot.querySelector('.credit-alert');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.classList).toContain('slds-alert_warning');
    expect(alert.querySelector('.low-balance').textContent).toBe('c.Slotwise_Credits_Low_Balance');
    expect(alert.querySelector('.paused-reminders')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('has no banner above the threshold', async () => {
    const element = createCredits();
    getCredits.emit({ ...CREDITS, balance: 101 });
    await flushPromises();
    expect(element.shadowRoot.querySelector('.credit-alert')).toBeNull();
  });

  it('says how many reminders wait for credits, as an error banner', async () => {
    const element = createCredits();
    getCredits.emit({ ...CREDITS, balance: 0, remindersPaused: true, pausedReminders: 1234 });
    await flushPromises();
    const alert = element.shadowRoot.querySelector('.credit-alert');
    expect(alert.classList).toContain('slds-alert_error');
    expect(alert.querySelector('.paused-reminders').textContent).toBe('1,234 reminders are waiting');
    expect(alert.querySelector('.low-balance')).not.toBeNull();
    await expect(element).toBeAccessible();
  });

  it('says "1 reminder" for one', async () => {
    const element = createCredits();
    getCredits.emit({ ...CREDITS, remindersPaused: true, pausedReminders: 1 });
    await flushPromises();
    const alert = element.shadowRoot.querySelector('.credit-alert');
    expect(alert.querySelector('.paused-reminders').textContent).toBe('c.Slotwise_Credits_Paused_One');
    expect(alert.querySelector('.low-balance')).toBeNull();
  });

  it('shows an error when the balance cannot be loaded', async () => {
    const element = createCredits();
    const message = 'This org is not connected to Slotwise. Ask your Slotwise admin to connect it.';
    getCredits.error({ message });
    await flushPromises();
    expect(element.shadowRoot.querySelector('.error').textContent).toBe(message);
    expect(element.shadowRoot.querySelector('.balance')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('opens the signed purchase link for the chosen pack in a new tab', async () => {
    getPurchaseLink.mockResolvedValue(LINK);
    const element = createCredits();
    getCredits.emit(CREDITS);
    await flushPromises();

    const pack = element.shadowRoot.querySelector('lightning-combobox.pack');
    pack.dispatchEvent(new CustomEvent('change', { detail: { value: 'pack_5000' } }));
    element.shadowRoot.querySelector('lightning-button.buy').click();
    await flushPromises();

    expect(getPurchaseLink).toHaveBeenCalledWith({ packId: 'pack_5000' });
    expect(getNavigateCalledWith().pageReference).toEqual({
      type: 'standard__webPage',
      attributes: { url: LINK },
    });
    expect(element.shadowRoot.querySelector('lightning-button.buy').disabled).toBe(false);
  });

  it('lets the payment page offer every pack when none is chosen', async () => {
    getPurchaseLink.mockResolvedValue(LINK);
    const element = createCredits();
    element.shadowRoot.querySelector('lightning-button.buy').click();
    await flushPromises();
    expect(getPurchaseLink).toHaveBeenCalledWith({ packId: null });
  });

  it('toasts when the purchase link fails', async () => {
    getPurchaseLink.mockRejectedValue({ body: { message: 'Slotwise cannot be reached right now. Try again later.' } });
    const element = createCredits();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);

    element.shadowRoot.querySelector('lightning-button.buy').click();
    await flushPromises();

    const message = 'Slotwise cannot be reached right now. Try again later.';
    expect(toast.mock.calls[0][0].detail).toMatchObject({ variant: 'error', message });
    expect(element.shadowRoot.querySelector('.buy-status').textContent).toBe(message);
    expect(element.shadowRoot.querySelector('lightning-button.buy').disabled).toBe(false);
  });

  it('refreshes the balance', () => {
    const element = createCredits();
    element.shadowRoot.querySelector('lightning-button-icon.refresh').click();
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });

  it('shows the history under the balance and refreshes it with the balance', async () => {
    const element = createCredits();
    expect(element.shadowRoot.querySelector('c-slotwise-credit-history')).toBeNull();
    getCredits.emit(CREDITS);
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-slotwise-credit-history')).not.toBeNull();
    expect(getCreditHistory).toHaveBeenCalledTimes(1);

    element.shadowRoot.querySelector('lightning-button-icon.refresh').click();
    await flushPromises();
    expect(getCreditHistory).toHaveBeenCalledTimes(2);
    expect(getCreditHistory).toHaveBeenLastCalledWith({ before: null });
    expect(refreshApex).toHaveBeenCalledTimes(1);
  });
});
