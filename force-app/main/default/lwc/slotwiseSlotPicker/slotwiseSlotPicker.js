import { LightningElement, api } from 'lwc';
import LOCALE from '@salesforce/i18n/locale';
import { formatTime } from 'c/slotwiseUtils';
import TIMES from '@salesforce/label/c.Slotwise_Book_Available_Times';
import CHOOSE_TYPE_FIRST from '@salesforce/label/c.Slotwise_Book_Choose_Type_First';
import LOADING_TIMES from '@salesforce/label/c.Slotwise_Book_Loading_Times';
import NO_TIMES from '@salesforce/label/c.Slotwise_Book_No_Times';

/**
 * The free start times of a day as toggle buttons, in `timeZone`. `slots` are getSlots results
 * ([{ start, end, resourceId }], ISO UTC; undefined while loading). Fires `select` with
 * detail.start when a time is chosen.
 */
export default class SlotwiseSlotPicker extends LightningElement {
  @api slots;
  @api timeZone;
  @api selectedStart;
  @api errorText;
  // True until an appointment type is chosen (nothing to load yet).
  @api needsType = false;

  labels = { TIMES, CHOOSE_TYPE_FIRST, LOADING_TIMES, NO_TIMES };

  get items() {
    // With "Any available" several resources may offer the same time: show it once.
    const starts = [...new Set((this.slots || []).map((slot) => slot.start))];
    return starts.map((start) => {
      const selected = start === this.selectedStart;
      return {
        start,
        label: formatTime(start, this.timeZone, LOCALE),
        pressed: String(selected),
        className: `slds-button ${selected ? 'slds-button_brand' : 'slds-button_neutral'}`,
      };
    });
  }

  get isLoading() {
    return !this.needsType && !this.slots && !this.errorText;
  }

  get isEmpty() {
    return !!this.slots && this.slots.length === 0;
  }

  handleClick(event) {
    this.dispatchEvent(new CustomEvent('select', { detail: { start: event.currentTarget.dataset.start } }));
  }
}
