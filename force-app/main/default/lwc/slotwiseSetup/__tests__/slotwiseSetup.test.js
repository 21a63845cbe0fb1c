import { createElement } from 'lwc';
import SlotwiseSetup from 'c/slotwiseSetup';
import getSetup from '@salesforce/apex/SlotwiseSetupController.getSetup';

jest.mock(
  '@salesforce/apex/SlotwiseSetupController.getStatus',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/SlotwiseSetupController.getSetup',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/SlotwiseSetupController.getCredits',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock('@salesforce/customPermission/Slotwise_Manage_Settings', () => ({ default: true }), { virtual: true });

describe('c-slotwise-setup (with Manage Settings)', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the console and loads the setup', async () => {
    const element = createElement('c-slotwise-setup', { is: SlotwiseSetup });
    document.body.appendChild(element);

    expect(element.shadowRoot.querySelector('lightning-card').title).toBe('c.Slotwise_Setup_Title');
    expect(element.shadowRoot.querySelector('c-slotwise-setup-console')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.no-access')).toBeNull();
    expect(getSetup.getLastConfig()).toEqual({});
    await expect(element).toBeAccessible();
  });
});
