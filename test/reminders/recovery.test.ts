// An instance stops mid-send: its reminder is left 'sending' with its attempt recorded, either
// before Twilio was asked or after Twilio created the message (the answer lost). The next instance
// reconciles through Twilio's message list: no second text when the stand-in already has it, one
// text when it does not; credits are charged once either way, and nothing personal is logged.
import t from 'tap';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { recordOutbound } from '../../service/src/sms/outbound.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { recipientHash, recipientKey } from '../../service/src/sms/recipient.ts';
import { openStore } from '../../service/src/store/open.ts';
import { BACKENDS, freshStoreConfig } from '../helpers/backends.ts';
import { startOrgEmulator } from '../helpers/org-emulator.ts';
import { apiFor, startStandIn } from '../sms/helpers.ts';
import { FROM_NUMBER, addRule, reminderApp, reminderStates, until } from './helpers.ts';

const PHONE = '+447911123456';
const CRASHED_BODY = 'Hi Maria, see you tomorrow at Riverside Physiotherapy Clinic.';
const MINUTE = 60_000;
const CREDITS = 10;

for (const backend of BACKENDS) {
  for (const crash of ['before', 'after'] as const) {
    t.test(`a reminder left sending by a crash ${crash} the Twilio call is reconciled (${backend})`, async (t) => {
      const store = await freshStoreConfig(t, backend);
      if (!store) return;
      const org = await startOrgEmulator(t);
      const { ids } = seedDemoClinic(org);
      // One reminder: tomorrow's appointment, this test's rule only.
      org.update('Slotwise_Appointment__c', ids.get('AppointmentNextWeek')!, { Status__c: 'Cancelled' });
      for (const rule of org.records('Slotwise_Reminder_Rule__c')) {
        org.update('Slotwise_Reminder_Rule__c', rule.Id as string, { Active__c: false });
      }
      addRule(org, 10 * 24 * 60, 'Hi {FirstName}, see you {Time} at {OrgName}.');
      const standin = await startStandIn(t);
      const masterKey = generateMasterKey('test-1');

      // The reminder planned (held without credits), then the instance gone.
      const first = await reminderApp(t, store, org, standin, { creditAllowance: 0, masterKey });
      await first.app.sync.start(org.orgId);
      await until('the reminder planned', async () => (await reminderStates(first.app)).paused === 1);
      await first.app.close();

      // What the crashed instance had done: claimed it, recorded the attempt and its credit, and
      // (after) had Twilio create the message, whose answer never arrived. Minutes ago.
      const db = await openStore(store);
      const envelope = new Envelope(new ConfiguredKeyProvider([masterKey]));
      const attemptAt = new Date(Date.now() - 5 * MINUTE);
      const [reminder] = await db.query<{ id: number; org_id: string; appointment_id: string }>(
        `update sms_reminder set state = 'sending', state_reason = null, updated_at = $1
          returning id, org_id, appointment_id`,
        [new Date(Date.now() - 2 * 24 * 60 * MINUTE)],
      );
      const hash = recipientHash(await recipientKey(() => db, envelope)(), reminder!.org_id, PHONE);
      await recordOutbound(
        db,
        envelope,
        {
          orgId: reminder!.org_id,
          kind: 'reminder',
          reminderId: reminder!.id,
          appointmentId: reminder!.appointment_id,
          recipientHash: hash,
          to: PHONE,
          body: CRASHED_BODY,
          sender: FROM_NUMBER,
          segments: 1,
        },
        { now: attemptAt, openingAllowance: CREDITS },
      );
      await db.close();
      if (crash === 'after') {
        const sent = await apiFor(standin).sendSms({
          from: FROM_NUMBER,
          to: PHONE,
          body: CRASHED_BODY,
          statusCallback: 'https://localhost/webhooks/twilio/status',
          validityPeriodSeconds: 3_600,
        });
        t.equal(sent.kind, 'sent', 'the crashed instance reached Twilio');
      }

      const second = await reminderApp(t, store, org, standin, { creditAllowance: CREDITS, masterKey });
      await until('the reminder sent', async () => (await reminderStates(second.app)).sent === 1);
      await second.app.reminders.wake();
      await new Promise((resolve) => setTimeout(resolve, 3_000));

      t.equal(standin.countTo(PHONE), 1, 'exactly one text at Twilio');
      const [only] = standin.messages();
      const attempts = await second.app.storeConnection.store.query<{
        status: string;
        error_code: string | null;
        twilio_sid: string | null;
        body_ciphertext: Buffer | null;
      }>('select status, error_code, twilio_sid, body_ciphertext from sms_message order by id');
      if (crash === 'after') {
        t.equal(only!.body, CRASHED_BODY, "the crashed instance's message, not another");
        t.equal(attempts.length, 1, 'no new attempt');
        t.equal(attempts[0]!.twilio_sid, only!.sid, 'the attempt adopted the message Twilio had');
        t.match(second.logs.join(''), /SMS attempt reconciled: Twilio had it/);
      } else {
        t.match(only!.body, /^Hi Maria, see you .* at /, 'sent by the next instance');
        t.equal(attempts.length, 2, 'the lost attempt and a new one');
        t.match(attempts[0], { status: 'failed', error_code: 'not_found', twilio_sid: null });
        t.equal(attempts[1]!.twilio_sid, only!.sid);
      }
      t.ok(
        attempts.every((attempt) => attempt.body_ciphertext === null),
        'no text kept',
      );
      t.equal((await second.app.reminders.status(org.orgId)).creditBalance, 9, 'one credit used');

      const logged = [...first.logs, ...second.logs].join('');
      for (const secret of [PHONE, '7911123456', 'Hi Maria', "O'Brien"]) {
        t.notOk(logged.includes(secret), `not logged: ${secret}`);
      }
    });
  }
}
