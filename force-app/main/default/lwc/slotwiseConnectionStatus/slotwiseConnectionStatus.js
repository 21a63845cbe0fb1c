import { LightningElement, api } from 'lwc';
import { NavigationMixin } from 'lightning/navigation';
import { errorMessage, formatLabel } from 'c/slotwiseUtils';
import HEADING from '@salesforce/label/c.Slotwise_Connection_Heading';
import STATUS from '@salesforce/label/c.Slotwise_Connection_Status';
import CONNECTED from '@salesforce/label/c.Slotwise_Connected';
import NOT_CONNECTED from '@salesforce/label/c.Slotwise_Not_Connected';
import UNREACHABLE from '@salesforce/label/c.Slotwise_Unreachable';
import LAST_SYNC from '@salesforce/label/c.Slotwise_Last_Sync';
import NEVER from '@salesforce/label/c.Slotwise_Never';
import OUTBOX from '@salesforce/label/c.Slotwise_Outbox_Depth';
import API_USAGE from '@salesforce/label/c.Slotwise_Api_Usage';
import API_USAGE_OF from '@salesforce/label/c.Slotwise_Api_Usage_Of';
import CONNECT from '@salesforce/label/c.Slotwise_Connect';
import RECONNECT from '@salesforce/label/c.Slotwise_Reconnect';
import CONNECT_HELP from '@salesforce/label/c.Slotwise_Connect_Help';
import REFRESH from '@salesforce/label/c.Slotwise_Refresh';

const isSet = (value) => value !== undefined && value !== null;

/**
 * The org's connection to the Slotwise service, from SlotwiseSetupController.getStatus():
 * { connected, reachable (false: no answer at all), connectUrl (the service's connect page, also
 *   for reconnecting), message (why not connected), orgId, lastSync: ISO DateTime | null,
 *   outboxDepth, apiCallsUsed, apiCallsLimit } (the last four only when connected).
 * Connect opens connectUrl in a new tab; Refresh fires `refresh`.
 */
export default class SlotwiseConnectionStatus extends NavigationMixin(LightningElement) {
  @api status;
  @api error;

  labels = { HEADING, STATUS, LAST_SYNC, NEVER, OUTBOX, API_USAGE, CONNECT_HELP, REFRESH };

  get connected() {
    return !!(this.status && this.status.connected);
  }

  get stateText() {
    if (this.connected) {
      return CONNECTED;
    }
    return this.status && this.status.reachable === false ? UNREACHABLE : NOT_CONNECTED;
  }

  get stateIcon() {
    return this.connected ? 'utility:success' : 'utility:warning';
  }

  get stateVariant() {
    return this.connected ? 'success' : 'warning';
  }

  get message() {
    return this.status && !this.connected ? this.status.message : undefined;
  }

  get lastSync() {
    return this.status && this.status.lastSync;
  }

  get outboxDepth() {
    return String((this.status && this.status.outboxDepth) || 0);
  }

  get apiUsage() {
    const used = (this.status && this.status.apiCallsUsed) || 0;
    const limit = this.status && this.status.apiCallsLimit;
    return isSet(limit) ? formatLabel(API_USAGE_OF, used, limit) : String(used);
  }

  get connectLabel() {
    return this.connected ? RECONNECT : CONNECT;
  }

  // Connecting is the next step until connected; reconnecting is rarely needed.
  get connectVariant() {
    return this.connected ? 'neutral' : 'brand';
  }

  get connectDisabled() {
    return !(this.status && this.status.connectUrl);
  }

  get errorText() {
    return this.error ? errorMessage(this.error) : undefined;
  }

  handleConnect() {
    this[NavigationMixin.Navigate]({
      type: 'standard__webPage',
      attributes: { url: this.status.connectUrl },
    });
  }

  handleRefresh() {
    this.dispatchEvent(new CustomEvent('refresh'));
  }
}
