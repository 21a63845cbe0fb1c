import SlotwiseCreditHistory from 'c/slotwiseCreditHistory';
import getCreditHistory from '@salesforce/apex/SlotwiseSetupController.getCreditHistory';
import { $, $$, flushPromises, mount, resetDom } from 'jest-utils';

jest.mock('@salesforce/apex/SlotwiseSetupController.getCreditHistory', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/i18n/locale', () => ({ default: 'en-US' }), { virtual: true });
jest.mock('@salesforce/i18n/timeZone', () => ({ default: 'America/New_York' }), { virtual: true });
jest.mock('@salesforce/label/c.Slotwise_Credit_History_Sms', () => ({ default: 'SMS sent: {0} messages' }), {
  virtual: true,
});

const PURCHASE = {
  entryId: '7',
  kind: 'purchase',
  credits: 500,
  money: { amount: 60, currencyCode: 'USD' },
  reference: '60123456789',
  refundOf: null,
  messages: null,
  day: '2026-03-01',
  createdAt: '2026-03-01T15:30:00.000Z',
};
const SMS_DAY = {
  entryId: 'sms-2026-03-02',
  kind: 'sms',
  credits: -1204,
  money: null,
  reference: null,
  refundOf: null,
  messages: 1100,
  day: '2026-03-02',
  createdAt: '2026-03-02T23:59:00.000Z',
};
const ONE_SMS = { ...SMS_DAY, entryId: 'sms-2026-02-27', credits: -2, messages: 1, day: '2026-02-27' };
const REFUND = {
  ...PURCHASE,
  entryId: '9',
  kind: 'refund',
  credits: -100,
  money: { amount: 12, currencyCode: 'USD' },
  reference: '60123456790',
  refundOf: '7',
};
const ALLOWANCE = { ...PURCHASE, entryId: '1', kind: 'allowance', credits: 50, money: null, reference: null };
const ADJUSTMENT = { ...ALLOWANCE, entryId: '3', kind: 'adjustment', credits: -5, reference: 'duplicate reminders' };

const cells = (element) =>
  $$(element, 'tr.entry').map((row) =>
    ['.date', '.activity', '.credits', '.amount', '.reference'].map((cell) => row.querySelector(cell).textContent),
  );

function createHistory() {
  return mount('c-slotwise-credit-history', SlotwiseCreditHistory);
}

describe('c-slotwise-credit-history', () => {
  afterEach(() => {
    resetDom();
    jest.clearAllMocks();
  });

  it('shows loading, then each entry in words', async () => {
    getCreditHistory.mockResolvedValue({
      entries: [SMS_DAY, REFUND, PURCHASE, ADJUSTMENT, ALLOWANCE],
      nextCursor: null,
    });
    const element = createHistory();
    expect($(element, '.loading')).not.toBeNull();
    await flushPromises();

    expect(getCreditHistory).toHaveBeenCalledWith({ before: null });
    expect($(element, '.loading')).toBeNull();
    expect(cells(element)).toEqual([
      // A day of SMS is a UTC day: not shifted into the user's zone.
      ['Mar 2, 2026', 'SMS sent: 1,100 messages', '-1,204', '', ''],
      ['Mar 1, 2026, 10:30 AM', 'c.Slotwise_Credit_History_Refund', '-100', '$12.00', '60123456790'],
      ['Mar 1, 2026, 10:30 AM', 'c.Slotwise_Credit_History_Purchase', '+500', '$60.00', '60123456789'],
      ['Mar 1, 2026, 10:30 AM', 'c.Slotwise_Credit_History_Adjustment', '-5', '', 'duplicate reminders'],
      ['Mar 1, 2026, 10:30 AM', 'c.Slotwise_Credit_History_Allowance', '+50', '', ''],
    ]);
    expect($(element, 'lightning-button.load-more')).toBeNull();
    expect($(element, '.empty')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('says "1 message" for a day with one', async () => {
    getCreditHistory.mockResolvedValue({ entries: [ONE_SMS], nextCursor: null });
    const element = createHistory();
    await flushPromises();
    expect(cells(element)[0][1]).toBe('c.Slotwise_Credit_History_Sms_One');
  });

  it('loads the next page after the cursor and appends it', async () => {
    getCreditHistory.mockResolvedValueOnce({ entries: [SMS_DAY, REFUND], nextCursor: 'c2' });
    getCreditHistory.mockResolvedValueOnce({ entries: [PURCHASE], nextCursor: null });
    const element = createHistory();
    await flushPromises();
    expect(cells(element).length).toBe(2);

    $(element, 'lightning-button.load-more').click();
    await flushPromises();

    expect(getCreditHistory).toHaveBeenLastCalledWith({ before: 'c2' });
    expect($$(element, 'tr.entry').map((row) => row.querySelector('.reference').textContent)).toEqual([
      '',
      '60123456790',
      '60123456789',
    ]);
    expect($(element, 'lightning-button.load-more')).toBeNull();
  });

  it('says so when there is no history', async () => {
    getCreditHistory.mockResolvedValue({ entries: [], nextCursor: null });
    const element = createHistory();
    await flushPromises();
    expect($(element, '.empty').textContent).toBe('c.Slotwise_Credit_History_Empty');
    expect($(element, 'table')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows an error and retries what failed, keeping the rows already shown', async () => {
    const message = 'Slotwise cannot be reached right now. Try again later.';
    getCreditHistory.mockResolvedValueOnce({ entries: [SMS_DAY], nextCursor: 'c2' });
    getCreditHistory.mockRejectedValueOnce({ body: { message } });
    getCreditHistory.mockResolvedValueOnce({ entries: [PURCHASE], nextCursor: null });
    const element = createHistory();
    await flushPromises();
    $(element, 'lightning-button.load-more').click();
    await flushPromises();

    expect($(element, '.error').textContent).toBe(message);
    expect(cells(element).length).toBe(1);
    expect($(element, 'lightning-button.load-more')).toBeNull();
    await expect(element).toBeAccessible();

    $(element, 'lightning-button.retry').click();
    await flushPromises();
    expect(getCreditHistory).toHaveBeenLastCalledWith({ before: 'c2' });
    expect($(element, '.error')).toBeNull();
    expect(cells(element).length).toBe(2);
  });

  it('shows the first page failing, and retries it', async () => {
    getCreditHistory.mockRejectedValueOnce({ body: { message: 'This org is not connected to Slotwise.' } });
    getCreditHistory.mockResolvedValueOnce({ entries: [PURCHASE], nextCursor: null });
    const element = createHistory();
    await flushPromises();
    expect($(element, '.error').textContent).toBe('This org is not connected to Slotwise.');
    expect($(element, '.empty')).toBeNull();
    expect($(element, '.loading')).toBeNull();

    $(element, 'lightning-button.retry').click();
    await flushPromises();
    expect(getCreditHistory).toHaveBeenLastCalledWith({ before: null });
    expect(cells(element).length).toBe(1);
  });

  it('refresh() starts again from the newest page, and a late older answer is dropped', async () => {
    let answerLoadMore;
    getCreditHistory.mockResolvedValueOnce({ entries: [REFUND], nextCursor: 'c2' });
    getCreditHistory.mockReturnValueOnce(
      new Promise((resolve) => {
        answerLoadMore = resolve;
      }),
    );
    getCreditHistory.mockResolvedValueOnce({ entries: [SMS_DAY, REFUND], nextCursor: 'c3' });
    const element = createHistory();
    await flushPromises();

    $(element, 'lightning-button.load-more').click();
    await element.refresh();
    answerLoadMore({ entries: [PURCHASE], nextCursor: null });
    await flushPromises();

    expect(getCreditHistory).toHaveBeenLastCalledWith({ before: null });
    expect($$(element, 'tr.entry').map((row) => row.querySelector('.activity').textContent)).toEqual([
      'SMS sent: 1,100 messages',
      'c.Slotwise_Credit_History_Refund',
    ]);
    expect($(element, 'lightning-button.load-more')).not.toBeNull();
  });
});
