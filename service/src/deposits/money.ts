// Moving a deposit's money after the charge: giving it back (a void while the transaction is not
// settled, a refund once it is) and capturing an authorization. Each step reads the transaction at
// Authorize.Net first, so a step repeated after a lost answer does not act twice; what cannot be
// done now stays due and the sweep tries again. The appointment's Payment_Status__c follows through
// the outbox.
import { APPOINTMENT } from '../booking/org-records.ts';
import type { Envelope } from '../crypto/envelope.ts';
import { enqueueWrite } from '../outbox/outbox.ts';
import type { AuthNetClient } from '../payments/authnet/client.ts';
import { AuthNetError } from '../payments/authnet/errors.ts';
import type { Store } from '../store/store.ts';
import { paymentFields, type PaymentStatus } from './confirm.ts';
import { returnMethod } from './policy.ts';
import { moveDeposit, type DepositRow } from './store.ts';

export interface MoneyDeps {
  store: () => Store;
  envelope: Envelope;
  client: () => AuthNetClient;
  wakeOutbox(orgId: string): Promise<void>;
  now: () => Date;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** Authorize.Net's reason codes that say the step was done before (a repeat after a lost answer). */
const REFUNDED_IN_FULL = '55';
const ALREADY_CAPTURED = '311';

/**
 * Gives back the money of a deposit in 'return_due'. True when it is back (or none was taken);
 * false when Authorize.Net could not do it now (the deposit stays due).
 */
export async function giveBack(deps: MoneyDeps, deposit: DepositRow): Promise<boolean> {
  const transId = deposit.trans_id!;
  const client = deps.client();
  try {
    const details = await client.getTransactionDetails(transId);
    const method = returnMethod(details.status);
    if (method === 'void') await client.void(transId);
    if (method === 'refund') await client.refund(transId, details.settleAmountMinor ?? deposit.amount_minor);
  } catch (error) {
    if (!(error instanceof AuthNetError && error.code === REFUNDED_IN_FULL)) {
      deps.log.warn(
        { bookingId: deposit.booking_id, kind: error instanceof AuthNetError ? error.kind : 'unexpected' },
        'deposit: the money could not be given back yet; the sweep tries again',
      );
      return false;
    }
  }
  if (await moveDeposit(deps.store(), deposit.booking_id, ['return_due'], 'returned', deps.now())) {
    deps.log.info({ bookingId: deposit.booking_id }, 'deposit given back');
    await recordInOrg(deps, deposit, 'Refunded');
  }
  return true;
}

/** Captures an authorized deposit (at its cutoff). False when it must be tried again later. */
export async function capture(deps: MoneyDeps, deposit: DepositRow): Promise<boolean> {
  try {
    await deps.client().capture(deposit.trans_id!, deposit.amount_minor);
  } catch (error) {
    if (!(error instanceof AuthNetError && error.code === ALREADY_CAPTURED)) {
      deps.log.warn(
        { bookingId: deposit.booking_id, kind: error instanceof AuthNetError ? error.kind : 'unexpected' },
        'deposit: the authorization could not be captured yet; the sweep tries again',
      );
      return false;
    }
  }
  if (await moveDeposit(deps.store(), deposit.booking_id, ['authorized'], 'captured', deps.now())) {
    await recordInOrg(deps, deposit, 'Paid');
  }
  return true;
}

/** Sets the appointment's Payment_Status__c (when the booking reached the org) through the outbox. */
export async function recordInOrg(deps: MoneyDeps, deposit: DepositRow, status: PaymentStatus): Promise<void> {
  const store = deps.store();
  const [booking] = await store.query<{ appointment_id: string | null }>(
    `select appointment_id from booking where id = $1`,
    [deposit.booking_id],
  );
  if (!booking?.appointment_id) return;
  const appointmentId = booking.appointment_id;
  await store.transaction((tx) =>
    enqueueWrite(tx, deps.envelope, {
      orgId: deposit.org_id,
      sobject: APPOINTMENT,
      operation: 'update',
      recordId: appointmentId,
      fields: paymentFields(status, deposit.trans_id!),
    }),
  );
  await deps.wakeOutbox(deposit.org_id).catch((error: unknown) => {
    // The periodic sweep delivers it anyway.
    deps.log.warn({ orgId: deposit.org_id, err: error }, 'outbox wake failed');
  });
}
