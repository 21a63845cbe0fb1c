import SlotwiseSetup from 'c/slotwiseSetup';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';
import { mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getSetup', () => require('jest-utils').apexWireModule(), {
  virtual: true,
});
// The user lacks the Slotwise_Manage_Settings custom permission (the platform gives undefined).
jest.mock('@salesforce/customPermission/Slotwise_Manage_Settings', () => ({ default: undefined }), {
  virtual: true,
});

describe('c-slotwise-setup (without Manage Settings)', () => {
  afterEach(() => {
    resetDom();
  });

  it('shows a no-access message and loads nothing', async () => {
    const element = mount('c-slotwise-setup', SlotwiseSetup);

    expect(element.shadowRoot.querySelector('c-slotwise-setup-console')).toBeNull();
    const message = element.shadowRoot.querySelector('.no-access');
    expect(message.getAttribute('role')).toBe('status');
    expect(message.textContent).toContain('c.Slotwise_No_Access_Title');
    expect(message.textContent).toContain('c.Slotwise_Setup_No_Access');
    expect(getSetup.getLastConfig()).toBeNull();
    await expect(element).toBeAccessible();
  });
});
