import SlotwiseCredits from 'c/slotwiseCredits';
import getCredits from '@salesforce/apex/SlotwiseSetupController.getCredits';
import getPurchaseLink from '@salesforce/apex/SlotwiseSetupController.getPurchaseLink';
import { mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getCredits', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getPurchaseLink', () => ({ default: jest.fn() }), {
  virtual: true,
});
// The user lacks the Slotwise_Buy_Credits custom permission.
jest.mock('@salesforce/customPermission/Slotwise_Buy_Credits', () => ({ default: undefined }), { virtual: true });

describe('c-slotwise-credits (without Buy Credits)', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows the balance but disables Buy and says why', async () => {
    const element = mount('c-slotwise-credits', SlotwiseCredits);
    getCredits.emit({ balance: 42, lowBalanceThreshold: 100, packs: [] });
    await Promise.resolve();

    const buy = element.shadowRoot.querySelector('lightning-button.buy');
    expect(buy.disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.no-permission').textContent).toBe('c.Slotwise_Buy_Credits_No_Permission');
    expect(element.shadowRoot.querySelector('.balance')).not.toBeNull();
    expect(element.shadowRoot.querySelector('lightning-combobox.pack')).toBeNull();
    buy.click();
    expect(getPurchaseLink).not.toHaveBeenCalled();
    await expect(element).toBeAccessible();
  });
});
