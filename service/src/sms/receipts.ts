// Webhook receipts (sms_webhook_receipt) stop a retried or replayed inbound webhook from being acted
// on twice while it could still arrive. Past a week they are deleted: Twilio retries within
// minutes, and a replay of an older signed request from a known sender is still refused, by the
// inbound message's SID kept in sms_message (409); from an unknown sender it changes nothing.
import type { Queryable } from '../store/store.ts';

export const RECEIPT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const BATCH_SIZE = 1_000;

/** Deletes receipts received before `cutoff`, a batch per statement; returns how many. */
export async function pruneWebhookReceipts(store: Queryable, cutoff: Date, signal?: AbortSignal): Promise<number> {
  let deleted = 0;
  for (;;) {
    signal?.throwIfAborted();
    const [row] = await store.query<{ deleted: number }>(
      `with pruned as (
         delete from sms_webhook_receipt where ctid in (
           select ctid from sms_webhook_receipt where received_at < $1 limit $2)
         returning 1)
       select count(*)::int as deleted from pruned`,
      [cutoff, BATCH_SIZE],
    );
    deleted += row?.deleted ?? 0;
    if ((row?.deleted ?? 0) < BATCH_SIZE) return deleted;
  }
}
