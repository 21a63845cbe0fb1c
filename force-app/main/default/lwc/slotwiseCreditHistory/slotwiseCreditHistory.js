import { LightningElement, api } from 'lwc';
import getCreditHistory from '@salesforce/apex/SlotwiseSetupController.getCreditHistory';
import LOCALE from '@salesforce/i18n/locale';
import TIME_ZONE from '@salesforce/i18n/timeZone';
import { errorMessage, formatDateTime, formatLabel } from 'c/slotwiseUtils';
import TITLE from '@salesforce/label/c.Slotwise_Credit_History_Title';
import NOTE from '@salesforce/label/c.Slotwise_Credit_History_Note';
import DATE from '@salesforce/label/c.Slotwise_Credit_History_Date';
import ACTIVITY from '@salesforce/label/c.Slotwise_Credit_History_Activity';
import CREDITS from '@salesforce/label/c.Slotwise_Credit_History_Credits';
import AMOUNT from '@salesforce/label/c.Slotwise_Credit_History_Amount';
import REFERENCE from '@salesforce/label/c.Slotwise_Credit_History_Reference';
import PURCHASE from '@salesforce/label/c.Slotwise_Credit_History_Purchase';
import REFUND from '@salesforce/label/c.Slotwise_Credit_History_Refund';
import ADJUSTMENT from '@salesforce/label/c.Slotwise_Credit_History_Adjustment';
import ALLOWANCE from '@salesforce/label/c.Slotwise_Credit_History_Allowance';
import SMS_ONE from '@salesforce/label/c.Slotwise_Credit_History_Sms_One';
import SMS_MANY from '@salesforce/label/c.Slotwise_Credit_History_Sms';
import EMPTY from '@salesforce/label/c.Slotwise_Credit_History_Empty';
import LOAD_MORE from '@salesforce/label/c.Slotwise_Credit_History_Load_More';
import LOADING from '@salesforce/label/c.Slotwise_Loading';
import RETRY from '@salesforce/label/c.Slotwise_Retry';

const KINDS = { purchase: PURCHASE, refund: REFUND, adjustment: ADJUSTMENT, allowance: ALLOWANCE };

/**
 * The SMS credit ledger as the service summarises it for admins (docs/org-api.yaml getCreditHistory).
 * SlotwiseSetupController.getCreditHistory(before) returns { entries: [{ entryId, kind (purchase,
 * refund, adjustment, allowance, sms), credits (signed), money { amount, currencyCode } | null,
 * reference, messages, day (UTC, yyyy-MM-dd), createdAt }], nextCursor }. An `sms` entry is one UTC
 * day of messages, so it shows that day (in UTC, as the service counts it); other entries show
 * their time in the user's zone. Load more appends the page after nextCursor; refresh() (the credits
 * card's Refresh) starts again from the newest.
 */
export default class SlotwiseCreditHistory extends LightningElement {
  labels = { TITLE, NOTE, DATE, ACTIVITY, CREDITS, AMOUNT, REFERENCE, EMPTY, LOAD_MORE, LOADING, RETRY };
  entries = [];
  nextCursor = null;
  loaded = false;
  loading = false;
  errorText;
  // What Retry asks for again: the cursor of the request that failed (null: the newest page).
  failedCursor = null;
  // Answers to an earlier request (a refresh during Load more) are dropped.
  request = 0;

  connectedCallback() {
    this.load(null);
  }

  /** Reloads the newest page; the credits card calls this from its Refresh. */
  @api
  refresh() {
    return this.load(null);
  }

  async load(before) {
    const request = ++this.request;
    this.loading = true;
    this.errorText = undefined;
    try {
      const page = await getCreditHistory({ before });
      if (request !== this.request) {
        return;
      }
      const entries = (page && page.entries) || [];
      this.entries = before ? [...this.entries, ...entries] : entries;
      this.nextCursor = (page && page.nextCursor) || null;
      this.loaded = true;
    } catch (error) {
      if (request === this.request) {
        this.errorText = errorMessage(error);
        this.failedCursor = before;
      }
    } finally {
      if (request === this.request) {
        this.loading = false;
      }
    }
  }

  get rows() {
    const credits = new Intl.NumberFormat(LOCALE, { signDisplay: 'exceptZero' });
    return this.entries.map((entry) => ({
      id: entry.entryId,
      date:
        entry.kind === 'sms'
          ? formatDateTime(`${entry.day}T00:00:00Z`, 'UTC', LOCALE, { dateStyle: 'medium' })
          : formatDateTime(entry.createdAt, TIME_ZONE, LOCALE),
      activity: activityOf(entry),
      credits: credits.format(entry.credits),
      amount: entry.money ? formatMoney(entry.money) : '',
      reference: entry.reference || '',
    }));
  }

  get hasRows() {
    return this.entries.length > 0;
  }

  get isFirstLoad() {
    return this.loading && !this.loaded;
  }

  get isEmpty() {
    return this.loaded && !this.errorText && this.entries.length === 0;
  }

  get canLoadMore() {
    return this.loaded && this.nextCursor !== null && !this.errorText;
  }

  handleLoadMore() {
    if (!this.loading && this.nextCursor) {
      this.load(this.nextCursor);
    }
  }

  handleRetry() {
    this.load(this.failedCursor);
  }
}

function activityOf(entry) {
  if (entry.kind === 'sms') {
    return entry.messages === 1 ? SMS_ONE : formatLabel(SMS_MANY, new Intl.NumberFormat(LOCALE).format(entry.messages));
  }
  return KINDS[entry.kind] || entry.kind;
}

function formatMoney(money) {
  try {
    return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: money.currencyCode }).format(money.amount);
  } catch {
    return `${money.amount} ${money.currencyCode || ''}`.trim();
  }
}
