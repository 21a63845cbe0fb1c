import { LightningElement, wire } from 'lwc';
import { NavigationMixin } from 'lightning/navigation';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { refreshApex } from '@salesforce/apex';
import getCredits from '@salesforce/apex/SlotwiseSetupController.getCredits';
import getPurchaseLink from '@salesforce/apex/SlotwiseSetupController.getPurchaseLink';
import hasBuyCredits from '@salesforce/customPermission/Slotwise_Buy_Credits';
import LOCALE from '@salesforce/i18n/locale';
import { errorMessage, formatLabel } from 'c/slotwiseUtils';
import HEADING from '@salesforce/label/c.Slotwise_Credits_Heading';
import BALANCE from '@salesforce/label/c.Slotwise_Credits_Balance';
import BALANCE_VALUE from '@salesforce/label/c.Slotwise_Credits_Balance_Value';
import LOW_BALANCE from '@salesforce/label/c.Slotwise_Credits_Low_Balance';
import ALERT from '@salesforce/label/c.Slotwise_Credits_Alert';
import PAUSED_ONE from '@salesforce/label/c.Slotwise_Credits_Paused_One';
import PAUSED_MANY from '@salesforce/label/c.Slotwise_Credits_Paused_Many';
import PACK from '@salesforce/label/c.Slotwise_Credits_Pack';
import PACK_OPTION from '@salesforce/label/c.Slotwise_Credits_Pack_Option';
import ANY_PACK from '@salesforce/label/c.Slotwise_Credits_Any_Pack';
import BUY from '@salesforce/label/c.Slotwise_Buy_Credits';
import BUY_NO_PERMISSION from '@salesforce/label/c.Slotwise_Buy_Credits_No_Permission';
import OPENING from '@salesforce/label/c.Slotwise_Opening_Purchase';
import BUY_FAILED from '@salesforce/label/c.Slotwise_Buy_Credits_Failed';
import LOADING from '@salesforce/label/c.Slotwise_Loading';
import REFRESH from '@salesforce/label/c.Slotwise_Refresh';

/**
 * SMS credits. SlotwiseSetupController.getCredits() returns { balance, lowBalanceThreshold,
 * packs: [{ packId, credits, amount, currencyCode }], remindersPaused, pausedReminders }. At or below
 * the threshold, or while reminders wait for credits, an alert banner says so above the balance.
 * Buy (only with the Slotwise_Buy_Credits permission) asks getPurchaseLink(packId) for a signed,
 * single-use URL (String) and opens it in a new tab; without a pack the payment page offers them
 * all. The ledger's history is c-slotwise-credit-history below; Refresh reloads both.
 */
export default class SlotwiseCredits extends NavigationMixin(LightningElement) {
  labels = { HEADING, BALANCE, LOW_BALANCE, ALERT, PACK, BUY, BUY_NO_PERMISSION, LOADING, REFRESH };
  wiredCredits;
  credits;
  errorText;
  packId = '';
  busy = false;
  statusMessage = '';

  @wire(getCredits)
  wiredGetCredits(result) {
    this.wiredCredits = result;
    this.credits = result.data;
    this.errorText = result.error ? errorMessage(result.error) : undefined;
  }

  get canBuy() {
    return hasBuyCredits === true;
  }

  get cannotBuy() {
    return !this.canBuy;
  }

  get buyDisabled() {
    return !this.canBuy || this.busy;
  }

  get isLoading() {
    return !this.credits && !this.errorText;
  }

  get balanceText() {
    const balance = new Intl.NumberFormat(LOCALE).format((this.credits && this.credits.balance) || 0);
    return formatLabel(BALANCE_VALUE, balance);
  }

  get isLow() {
    const { balance, lowBalanceThreshold } = this.credits || {};
    return typeof lowBalanceThreshold === 'number' && balance <= lowBalanceThreshold;
  }

  get pausedCount() {
    const { remindersPaused, pausedReminders } = this.credits || {};
    return remindersPaused === true && pausedReminders > 0 ? pausedReminders : 0;
  }

  get pausedText() {
    const count = this.pausedCount;
    return count === 1 ? PAUSED_ONE : formatLabel(PAUSED_MANY, new Intl.NumberFormat(LOCALE).format(count));
  }

  get hasAlert() {
    return this.isLow || this.pausedCount > 0;
  }

  // Reminders that do not go out are worse than a low balance: the banner turns from warning to error.
  get alertClass() {
    const theme = this.pausedCount > 0 ? 'slds-alert_error' : 'slds-alert_warning';
    return `credit-alert slds-notify slds-notify_alert ${theme} slds-m-bottom_small`;
  }

  // SLDS: a white icon on the error banner, the default dark one on the yellow warning banner.
  get alertIconVariant() {
    return this.pausedCount > 0 ? 'inverse' : undefined;
  }

  get packOptions() {
    const packs = (this.credits && this.credits.packs) || [];
    return [
      { label: ANY_PACK, value: '' },
      ...packs.map((pack) => ({
        label: formatLabel(PACK_OPTION, new Intl.NumberFormat(LOCALE).format(pack.credits), formatPrice(pack)),
        value: pack.packId,
      })),
    ];
  }

  handlePackChange(event) {
    this.packId = event.detail.value;
  }

  handleRefresh() {
    const history = this.refs && this.refs.history;
    if (history) {
      history.refresh();
    }
    return refreshApex(this.wiredCredits);
  }

  async handleBuy() {
    if (this.buyDisabled) {
      return;
    }
    this.busy = true;
    this.statusMessage = OPENING;
    try {
      const url = await getPurchaseLink({ packId: this.packId || null });
      this[NavigationMixin.Navigate]({ type: 'standard__webPage', attributes: { url } });
      this.statusMessage = '';
    } catch (error) {
      this.statusMessage = errorMessage(error);
      this.dispatchEvent(new ShowToastEvent({ title: BUY_FAILED, message: this.statusMessage, variant: 'error' }));
    } finally {
      this.busy = false;
    }
  }
}

function formatPrice(pack) {
  try {
    return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: pack.currencyCode }).format(pack.amount);
  } catch {
    return `${pack.amount} ${pack.currencyCode || ''}`.trim();
  }
}
