import { createElement } from 'lwc';
import SlotwiseSetup from 'c/slotwiseSetup';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';

jest.mock(
  '@salesforce/apex/SlotwiseSetupController.getSetup',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
// The user lacks the Slotwise_Manage_Settings custom permission (the platform gives undefined).
jest.mock('@salesforce/customPermission/Slotwise_Manage_Settings', () => ({ default: undefined }), {
  virtual: true,
});

describe('c-slotwise-setup (without Manage Settings)', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('shows a no-access message and loads nothing', async () => {
    const element = createElement('c-slotwise-setup', { is: SlotwiseSetup });
    document.body.appendChild(element);

    expect(element.shadowRoot.querySelector('c-slotwise-setup-console')).toBeNull();
    const message = element.shadowRoot.querySelector('.no-access');
    expect(message.getAttribute('role')).toBe('status');
    expect(message.textContent).toContain('c.Slotwise_No_Access_Title');
    expect(message.textContent).toContain('c.Slotwise_Setup_No_Access');
    expect(getSetup.getLastConfig()).toBeNull();
    await expect(element).toBeAccessible();
  });
});
