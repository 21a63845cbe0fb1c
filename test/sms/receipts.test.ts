import t from 'tap';
import { pruneWebhookReceipts } from '../../service/src/sms/receipts.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

for (const backend of BACKENDS) {
  t.test(`${backend}: receipts older than the cutoff are deleted in batches, newer ones kept`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    await store.query(
      `insert into sms_webhook_receipt (message_sid, event, received_at)
       select 'SM' || lpad(to_hex(n), 32, '0'), 'inbound', $1::timestamptz - (n || ' seconds')::interval
         from generate_series(1, 2500) n`,
      [new Date(NOW.getTime() - 8 * DAY)],
    );
    await store.query(
      `insert into sms_webhook_receipt (message_sid, event, received_at) values ('SMrecent', 'inbound', $1)`,
      [new Date(NOW.getTime() - DAY)],
    );
    t.equal(await pruneWebhookReceipts(store, new Date(NOW.getTime() - 7 * DAY)), 2500, 'three batches of old ones');
    const left = await store.query<{ message_sid: string }>('select message_sid from sms_webhook_receipt');
    t.same(left, [{ message_sid: 'SMrecent' }], 'the recent one stays');
    t.equal(await pruneWebhookReceipts(store, new Date(NOW.getTime() - 7 * DAY)), 0, 'nothing more');
  });
}
