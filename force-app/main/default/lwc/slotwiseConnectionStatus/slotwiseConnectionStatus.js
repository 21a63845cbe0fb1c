import { LightningElement, api } from 'lwc';
import { NavigationMixin } from 'lightning/navigation';
import LightningConfirm from 'lightning/confirm';
import disconnect from '@salesforce/apex/SlotwiseSetupController.disconnect';
import retryRejectedWrite from '@salesforce/apex/SlotwiseSetupController.retryRejectedWrite';
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
import REJECTED from '@salesforce/label/c.Slotwise_Outbox_Rejected';
import REJECTED_WARNING from '@salesforce/label/c.Slotwise_Outbox_Rejected_Warning';
import REJECTED_WRITES from '@salesforce/label/c.Slotwise_Rejected_Writes';
import REJECTED_OBJECT from '@salesforce/label/c.Slotwise_Rejected_Object';
import REJECTED_ERROR_CODE from '@salesforce/label/c.Slotwise_Rejected_Error_Code';
import REJECTED_AT from '@salesforce/label/c.Slotwise_Rejected_At';
import DISCONNECT from '@salesforce/label/c.Slotwise_Disconnect';
import DISCONNECT_TITLE from '@salesforce/label/c.Slotwise_Disconnect_Title';
import DISCONNECT_CONFIRM from '@salesforce/label/c.Slotwise_Disconnect_Confirm';
import DISCONNECT_FAILED from '@salesforce/label/c.Slotwise_Disconnect_Failed';
import ACTIONS from '@salesforce/label/c.Slotwise_Actions';
import RETRY from '@salesforce/label/c.Slotwise_Retry';
import RETRY_WRITE from '@salesforce/label/c.Slotwise_Retry_Write';
import RETRY_FAILED from '@salesforce/label/c.Slotwise_Retry_Failed';

const isSet = (value) => value !== undefined && value !== null;

/**
 * The org's connection to the Slotwise service, from SlotwiseSetupController.getStatus():
 * { connected, reachable (false: no answer at all), connectUrl (the service's connect page, also
 *   for reconnecting), message (why not connected), orgId, lastSync: ISO DateTime | null,
 *   outboxDepth, outboxPending, outboxRejected, rejectedWrites: [{ id, objectName, errorCode, at }],
 *   apiCallsUsed, apiCallsLimit } (the last seven only when connected).
 * Connect opens connectUrl in a new tab; Refresh fires `refresh`. Disconnect asks first, calls
 * SlotwiseSetupController.disconnect() and then fires `refresh`. Retry on a rejected write calls
 * SlotwiseSetupController.retryRejectedWrite(id) and then fires `refresh`, which reloads the list.
 */
export default class SlotwiseConnectionStatus extends NavigationMixin(LightningElement) {
  @api status;
  @api error;

  labels = {
    HEADING,
    STATUS,
    LAST_SYNC,
    NEVER,
    OUTBOX,
    REJECTED,
    REJECTED_WRITES,
    REJECTED_OBJECT,
    REJECTED_ERROR_CODE,
    REJECTED_AT,
    API_USAGE,
    CONNECT_HELP,
    REFRESH,
    DISCONNECT,
    ACTIONS,
    RETRY,
  };

  disconnecting = false;
  disconnectError;
  // The id of the write being retried: its button is disabled until the service answers.
  retryingId;
  retryError;

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

  // outboxPending is outboxDepth under its newer name; either may be missing.
  get outboxPending() {
    const pending =
      this.status && (isSet(this.status.outboxPending) ? this.status.outboxPending : this.status.outboxDepth);
    return String(pending || 0);
  }

  get outboxRejected() {
    return String((this.status && this.status.outboxRejected) || 0);
  }

  get hasRejected() {
    return !!(this.status && this.status.outboxRejected > 0);
  }

  get rejectedWarning() {
    return formatLabel(REJECTED_WARNING, this.outboxRejected);
  }

  get rejectedWrites() {
    const writes = (this.status && this.status.rejectedWrites) || [];
    return writes.map((write, index) => ({
      ...write,
      key: `${index}:${write.id}:${write.objectName}:${write.at}`,
      // An older service sends no id: such a write cannot be retried from here.
      canRetry: isSet(write.id),
      retryTitle: formatLabel(RETRY_WRITE, write.objectName),
      retrying: isSet(this.retryingId) && this.retryingId === write.id,
    }));
  }

  get hasRejectedWrites() {
    return this.rejectedWrites.length > 0;
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

  async handleRetry(event) {
    const id = Number(event.currentTarget.dataset.id);
    this.retryError = undefined;
    this.retryingId = id;
    try {
      await retryRejectedWrite({ writeId: id });
      this.dispatchEvent(new CustomEvent('refresh'));
    } catch (error) {
      this.retryError = formatLabel(RETRY_FAILED, errorMessage(error));
    } finally {
      this.retryingId = undefined;
    }
  }

  async handleDisconnect() {
    const confirmed = await LightningConfirm.open({
      message: DISCONNECT_CONFIRM,
      label: DISCONNECT_TITLE,
      theme: 'warning',
    });
    if (!confirmed) {
      return;
    }
    this.disconnectError = undefined;
    this.disconnecting = true;
    try {
      await disconnect();
      this.dispatchEvent(new CustomEvent('refresh'));
    } catch (error) {
      this.disconnectError = formatLabel(DISCONNECT_FAILED, errorMessage(error));
    } finally {
      this.disconnecting = false;
    }
  }
}
