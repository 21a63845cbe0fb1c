import { LightningElement, api } from 'lwc';
import { bookingPageFields } from 'c/slotwiseSetupFields';
import HEADING from '@salesforce/label/c.Slotwise_Booking_Page_Heading';
import SETTINGS from '@salesforce/label/c.Slotwise_Booking_Page_Settings';
import PUBLIC_URL from '@salesforce/label/c.Slotwise_Public_Url';
import COPY from '@salesforce/label/c.Slotwise_Copy_Url';
import COPIED from '@salesforce/label/c.Slotwise_Url_Copied';
import COPY_FALLBACK from '@salesforce/label/c.Slotwise_Copy_Fallback';
import OPEN_PAGE from '@salesforce/label/c.Slotwise_Open_Booking_Page';
import NO_SLUG from '@salesforce/label/c.Slotwise_No_Public_Slug';
import NO_SERVICE_URL from '@salesforce/label/c.Slotwise_No_Service_Url';

/**
 * Booking page settings: the public address `<serviceUrl>/book/<Public_Slug__c>` with a copy
 * button, and the Slotwise_Booking_Page__c form. `bookingPage` is the org's one record (or null),
 * `serviceUrl` the service's base URL; both come from getSetup. Fires `datachange` after a save.
 */
export default class SlotwiseBookingPageSettings extends LightningElement {
  @api bookingPage;
  @api serviceUrl;

  labels = { HEADING, SETTINGS, PUBLIC_URL, COPY, OPEN_PAGE };
  fields = bookingPageFields();
  defaults = { Singleton__c: 'org' };
  copyMessage = '';

  get slug() {
    return this.bookingPage && this.bookingPage.Public_Slug__c;
  }

  get publicUrl() {
    if (!this.slug || !this.serviceUrl) {
      return undefined;
    }
    return `${this.serviceUrl.replace(/\/+$/, '')}/book/${encodeURIComponent(this.slug)}`;
  }

  // Why there is no address yet: no slug saved, or the service URL is not known.
  get noUrlReason() {
    return this.slug ? NO_SERVICE_URL : NO_SLUG;
  }

  async handleCopy() {
    try {
      await navigator.clipboard.writeText(this.publicUrl);
      this.copyMessage = COPIED;
    } catch {
      // No clipboard (older browser, insecure frame) or permission refused: the address is shown
      // in a read-only field, so the admin can select and copy it.
      this.copyMessage = COPY_FALLBACK;
      this.refs.url.focus();
    }
  }

  handleSaved() {
    this.dispatchEvent(new CustomEvent('datachange'));
  }
}
