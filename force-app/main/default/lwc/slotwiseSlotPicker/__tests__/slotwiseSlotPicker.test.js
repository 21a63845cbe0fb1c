import SlotwiseSlotPicker from 'c/slotwiseSlotPicker';
import { $, mount, resetDom } from 'jest-utils';

const SLOTS = [
  { start: '2025-03-10T17:00:00.000Z', end: '2025-03-10T17:30:00.000Z', resourceId: 'a02000000000001AAA' },
  { start: '2025-03-10T17:00:00.000Z', end: '2025-03-10T17:30:00.000Z', resourceId: 'a02000000000002AAA' },
  { start: '2025-03-10T17:30:00.000Z', end: '2025-03-10T18:00:00.000Z', resourceId: 'a02000000000002AAA' },
];

function createPicker(props) {
  return mount('c-slotwise-slot-picker', SlotwiseSlotPicker, { timeZone: 'America/Los_Angeles' }, props);
}

const buttons = (element) => [...element.shadowRoot.querySelectorAll('button')];
const labels = (element) => buttons(element).map((button) => button.textContent.trim());

describe('c-slotwise-slot-picker', () => {
  afterEach(() => {
    resetDom();
  });

  it('shows each time once, in the time zone, as toggle buttons', async () => {
    const element = createPicker({ slots: SLOTS });
    expect($(element, 'legend').textContent).toBe('c.Slotwise_Book_Available_Times');
    expect(labels(element)).toEqual([expect.stringMatching(/^10:00\sAM$/), expect.stringMatching(/^10:30\sAM$/)]);
    expect(buttons(element).map((button) => button.getAttribute('aria-pressed'))).toEqual(['false', 'false']);
    expect(buttons(element).every((button) => button.type === 'button')).toBe(true);
    await expect(element).toBeAccessible();

    element.timeZone = 'Europe/London';
    await Promise.resolve();
    expect(labels(element)).toEqual([expect.stringMatching(/^5:00\sPM$/), expect.stringMatching(/^5:30\sPM$/)]);
  });

  it('marks the selected time as pressed', async () => {
    const element = createPicker({ slots: SLOTS, selectedStart: SLOTS[2].start });
    expect(buttons(element).map((button) => button.getAttribute('aria-pressed'))).toEqual(['false', 'true']);
    expect(buttons(element)[1].className).toContain('slds-button_brand');
    expect(buttons(element)[0].className).toContain('slds-button_neutral');
    await expect(element).toBeAccessible();
  });

  it('fires select with the start of the clicked time', () => {
    const element = createPicker({ slots: SLOTS });
    const select = jest.fn();
    element.addEventListener('select', select);
    buttons(element)[1].click();
    expect(select.mock.calls[0][0].detail).toEqual({ start: '2025-03-10T17:30:00.000Z' });
  });

  it('asks for a type first, then says it is loading', async () => {
    const element = createPicker({ needsType: true });
    expect($(element, '.hint').textContent).toBe('c.Slotwise_Book_Choose_Type_First');
    expect($(element, '.loading')).toBeNull();

    element.needsType = false;
    await Promise.resolve();
    expect($(element, '.hint')).toBeNull();
    expect($(element, '.loading').textContent).toBe('c.Slotwise_Book_Loading_Times');
    await expect(element).toBeAccessible();
  });

  it('says when there are no times, or shows the error', async () => {
    const element = createPicker({ slots: [] });
    expect($(element, '.empty').textContent).toBe('c.Slotwise_Book_No_Times');
    expect(buttons(element)).toHaveLength(0);

    element.slots = undefined;
    element.errorText = 'Slotwise cannot be reached right now. Try again later.';
    await Promise.resolve();
    expect($(element, '.error').textContent).toBe('Slotwise cannot be reached right now. Try again later.');
    expect($(element, '.loading')).toBeNull();
    expect($(element, '[aria-live="polite"] .error')).not.toBeNull();
  });
});
