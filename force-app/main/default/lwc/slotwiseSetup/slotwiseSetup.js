import { LightningElement } from 'lwc';
import hasManageSettings from '@salesforce/customPermission/Slotwise_Manage_Settings';
import TITLE from '@salesforce/label/c.Slotwise_Setup_Title';
import NO_ACCESS_TITLE from '@salesforce/label/c.Slotwise_No_Access_Title';
import NO_ACCESS from '@salesforce/label/c.Slotwise_Setup_No_Access';

/**
 * The Slotwise admin console. Only users with the Slotwise_Manage_Settings custom permission see
 * it (and only then is any setup data loaded); everyone else gets a clear "no access" message.
 */
export default class SlotwiseSetup extends LightningElement {
  labels = { TITLE, NO_ACCESS_TITLE, NO_ACCESS };

  get canManage() {
    return hasManageSettings === true;
  }
}
