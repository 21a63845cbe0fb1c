import SlotwiseBookingPageSettings from 'c/slotwiseBookingPageSettings';
import { flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.saveRecord', () => ({ default: jest.fn() }), { virtual: true });

const PAGE = { Id: 'a05000000000001AAA', Name: 'Riverside Clinic', Singleton__c: 'org', Public_Slug__c: 'riverside' };

function createSettings(props) {
  return mount(
    'c-slotwise-booking-page-settings',
    SlotwiseBookingPageSettings,
    { serviceUrl: 'https://slotwise.example.com/', bookingPage: PAGE },
    props,
  );
}

describe('c-slotwise-booking-page-settings', () => {
  const originalClipboard = navigator.clipboard;

  afterEach(() => {
    resetDom();
    Object.defineProperty(navigator, 'clipboard', { value: originalClipboard, configurable: true });
    jest.clearAllMocks();
  });

  it('shows the public URL and the settings form', async () => {
    const element = createSettings();
    expect(element.shadowRoot.querySelector('lightning-input.url').value).toBe(
      'https://slotwise.example.com/book/riverside',
    );
    expect(element.shadowRoot.querySelector('a.open').href).toBe('https://slotwise.example.com/book/riverside');
    const editor = element.shadowRoot.querySelector('c-slotwise-record-editor');
    expect(editor.objectApiName).toBe('Slotwise_Booking_Page__c');
    expect(editor.record).toEqual(PAGE);
    expect(editor.defaults).toEqual({ Singleton__c: 'org' });
    await expect(element).toBeAccessible();
  });

  it('explains that a slug is needed when there is none', async () => {
    const element = createSettings({ bookingPage: null });
    expect(element.shadowRoot.querySelector('lightning-input.url')).toBeNull();
    expect(element.shadowRoot.querySelector('.no-url').textContent).toBe('c.Slotwise_No_Public_Slug');
    await expect(element).toBeAccessible();
  });

  it('explains that the service URL is needed when it is not known', () => {
    const element = createSettings({ serviceUrl: undefined });
    expect(element.shadowRoot.querySelector('lightning-input.url')).toBeNull();
    expect(element.shadowRoot.querySelector('.no-url').textContent).toBe('c.Slotwise_No_Service_Url');
  });

  it('encodes the slug in the address', () => {
    const element = createSettings({ bookingPage: { ...PAGE, Public_Slug__c: 'st mary' } });
    expect(element.shadowRoot.querySelector('lightning-input.url').value).toBe(
      'https://slotwise.example.com/book/st%20mary',
    );
  });

  it('copies the URL to the clipboard and announces it', async () => {
    const writeText = jest.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const element = createSettings();

    element.shadowRoot.querySelector('lightning-button.copy').click();
    await flushPromises();

    expect(writeText).toHaveBeenCalledWith('https://slotwise.example.com/book/riverside');
    const status = element.shadowRoot.querySelector('.copy-status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe('c.Slotwise_Url_Copied');
  });

  it('falls back to a message and focuses the URL without a clipboard', async () => {
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    const element = createSettings();
    const input = element.shadowRoot.querySelector('lightning-input.url');
    input.focus = jest.fn();

    element.shadowRoot.querySelector('lightning-button.copy').click();
    await flushPromises();

    expect(element.shadowRoot.querySelector('.copy-status').textContent).toBe('c.Slotwise_Copy_Fallback');
    expect(input.focus).toHaveBeenCalled();
  });

  it('falls back when the browser refuses the clipboard', async () => {
    const writeText = jest.fn(() => Promise.reject(new Error('NotAllowedError')));
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const element = createSettings();

    element.shadowRoot.querySelector('lightning-button.copy').click();
    await flushPromises();

    expect(element.shadowRoot.querySelector('.copy-status').textContent).toBe('c.Slotwise_Copy_Fallback');
  });

  it('reports a change after the settings are saved', () => {
    const element = createSettings();
    const datachange = jest.fn();
    element.addEventListener('datachange', datachange);
    element.shadowRoot.querySelector('c-slotwise-record-editor').dispatchEvent(new CustomEvent('saved'));
    expect(datachange).toHaveBeenCalledTimes(1);
  });
});
