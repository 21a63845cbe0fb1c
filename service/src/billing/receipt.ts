// The receipt of a credit purchase, recorded in the org: a Slotwise_Credit_Purchase__c record
// upserted by the purchase's invoice number through the outbox, so it reaches the org even when
// the org is down at the time, and delivering it twice leaves one record. Never card data: the
// last four digits and Authorize.Net's transaction id only.
import { majorAmount } from '../credits/packs.ts';
import type { OutboxWrite } from '../outbox/outbox.ts';
import type { CreditPurchase } from './purchases.ts';

export const CREDIT_PURCHASE_OBJECT = 'Slotwise_Credit_Purchase__c';

export function receiptWrite(purchase: CreditPurchase): OutboxWrite {
  return {
    orgId: purchase.orgId,
    sobject: CREDIT_PURCHASE_OBJECT,
    operation: 'upsert',
    externalIdField: 'Purchase_Key__c',
    externalId: purchase.invoiceNumber,
    fields: {
      Credits__c: purchase.credits,
      Amount__c: majorAmount(purchase.money),
      Currency_Code__c: purchase.money.currency,
      Transaction_Id__c: purchase.transId,
      Card_Last4__c: purchase.cardLast4,
      Purchased_By__c: purchase.userId,
      Purchased_At__c: purchase.updatedAt.toISOString(),
    },
  };
}
