// Reminders planned from sync and sent by durable jobs: with no credits they pause (nothing sent,
// nothing dropped); after a restart with credits each is sent exactly once, counted at the stand-in.
// The number and text never reach the log, and the text is not kept once sent.
import t from 'tap';
import { generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { parseMetrics, valueOf } from '../metrics/scrape.ts';
import { startStandIn } from '../sms/helpers.ts';
import { addRule, reminderApp, reminderStates, until } from './helpers.ts';

const PHONE = '+447911123456';

for (const backend of BACKENDS) {
  t.test(`paused without credits, then sent exactly once after a restart (${backend})`, async (t) => {
    const store = await freshStoreConfig(t, backend);
    if (!store) return;
    const org = await startOrgEmulator(t);
    seedDemoClinic(org);
    // Two days before: already past for tomorrow's and next week's appointments' … and due now.
    addRule(org, 10 * 24 * 60, 'Hi {FirstName}, see you {Time} at {OrgName}.');
    const standin = await startStandIn(t);
    const masterKey = generateMasterKey('test-1');

    const first = await reminderApp(t, store, org, standin, { creditAllowance: 0, masterKey });
    await first.app.sync.start(org.orgId);
    await until('both reminders paused', async () => (await reminderStates(first.app)).paused === 2);
    t.equal(standin.messages().length, 0, 'nothing sent without credits');
    const status = await first.app.reminders.status(org.orgId);
    t.same(status.reasons, { no_credits: 2 }, 'staff see why');
    t.equal(status.creditBalance, 0);
    t.match(first.logs.join(''), /SMS credits exhausted/, 'the admin alert');
    const scraped = parseMetrics((await first.app.inject({ method: 'GET', url: '/metrics' })).body);
    t.equal(valueOf(scraped, 'slotwise_sms_reminders', { org_id: org.orgId, state: 'paused' }), 2, 'and the metric');
    await first.app.close();

    const second = await reminderApp(t, store, org, standin, { creditAllowance: 10, masterKey });
    await until('both reminders sent', async () => (await reminderStates(second.app)).sent === 2);
    await standin.idle();
    t.equal(standin.countTo(PHONE), 2, 'each reminder exactly once');
    const forged = await second.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/status?message=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'MessageStatus=delivered',
    });
    t.equal(forged.statusCode, 403, 'the Twilio webhooks are served beside the reminders, and check signatures');
    t.match(standin.messages()[0]!.body, /^Hi Maria, see you .* at /);
    const messages = await second.app.storeConnection.store.query<{
      body_ciphertext: Buffer | null;
      recipient_ciphertext: Buffer;
      twilio_sid: string;
    }>('select body_ciphertext, recipient_ciphertext, twilio_sid from sms_message');
    t.equal(messages.length, 2);
    for (const message of messages) {
      t.equal(message.body_ciphertext, null, 'the text is not kept once sent');
      t.notOk(message.recipient_ciphertext.toString('latin1').includes('7911123456'), 'the number is encrypted');
      t.match(message.twilio_sid, /^SM/);
    }
    t.equal((await second.app.reminders.status(org.orgId)).creditBalance, 8, 'a segment each');

    // Nothing more goes after further passes.
    await second.app.reminders.wake();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    t.equal(standin.countTo(PHONE), 2, 'still exactly once');

    const logged = [...first.logs, ...second.logs].join('');
    t.match(logged, /reminders dispatched/);
    for (const secret of [PHONE, '7911123456', 'Hi Maria', "O'Brien"])
      t.notOk(logged.includes(secret), `not logged: ${secret}`);
  });
}
