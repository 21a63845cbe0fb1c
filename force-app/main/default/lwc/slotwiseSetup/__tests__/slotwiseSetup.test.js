import SlotwiseSetup from 'c/slotwiseSetup';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';
import { mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getStatus', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getSetup', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/apex/SlotwiseSetupController.getCredits', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
jest.mock('@salesforce/customPermission/Slotwise_Manage_Settings', () => ({ default: true }), { virtual: true });

describe('c-slotwise-setup (with Manage Settings)', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows the console and loads the setup', async () => {
    const element = mount('c-slotwise-setup', SlotwiseSetup);

    expect(element.shadowRoot.querySelector('lightning-card').title).toBe('c.Slotwise_Setup_Title');
    expect(element.shadowRoot.querySelector('c-slotwise-setup-console')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.no-access')).toBeNull();
    expect(getSetup.getLastConfig()).toEqual({});
    await expect(element).toBeAccessible();
  });
});
