import t from 'tap';
import { Envelope } from '../../service/src/crypto/envelope.ts';
import { ConfiguredKeyProvider, generateMasterKey } from '../../service/src/crypto/key-provider.ts';
import { deliverOutbox, enqueueWrite, type OutboxMetrics, type OutboxWrite } from '../../service/src/outbox/outbox.ts';
import { seedDemoClinic } from '../../service/src/salesforce/emulator/demo.ts';
import { migrate } from '../../service/src/store/migrate.ts';
import { BACKENDS, freshStore } from '../helpers/backends.ts';
import { TestClock, gatewayFor, saveEmulatorConnection, startOrgEmulator } from '../helpers/org-emulator.ts';

const APPOINTMENT = 'Slotwise_Appointment__c';

for (const backend of BACKENDS) {
  t.test(`${backend}: a delivery pass reports every answer to its metrics sink`, async (t) => {
    const store = await freshStore(t, backend);
    if (!store) return;
    await migrate(store);
    const clock = new TestClock();
    const org = await startOrgEmulator(t, { now: clock.now });
    const demo = seedDemoClinic(org, clock.now());
    const envelope = new Envelope(new ConfiguredKeyProvider([generateMasterKey('test-1')]));
    await saveEmulatorConnection(store, envelope, org);
    const reported: string[] = [];
    const metrics: OutboxMetrics = {
      delivered: (sobject) => reported.push(`delivered ${sobject}`),
      rejected: (sobject) => reported.push(`rejected ${sobject}`),
      failedTransiently: (sobject) => reported.push(`transient ${sobject}`),
    };
    const deps = { store, envelope, orgApi: gatewayFor(org), now: clock.now, metrics };
    const write = (key: string): OutboxWrite => ({
      orgId: org.orgId,
      sobject: APPOINTMENT,
      operation: 'upsert',
      externalIdField: 'Booking_Key__c',
      externalId: key,
      fields: {
        Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
        Resource__c: demo.ids.get('ResourcePatelRef'),
        Start__c: '2026-04-01T09:00:00Z',
        End__c: '2026-04-01T09:30:00Z',
      },
    });
    const enqueue = (key: string) => store.transaction((tx) => enqueueWrite(tx, envelope, write(key), clock.now()));

    await enqueue('bk-1');
    await enqueue('bk-2');
    org.injectFault({ kind: 'validation-rule' });
    t.same(await deliverOutbox(deps, org.orgId), { delivered: 1, rejected: 1 });
    t.same(reported, [`rejected ${APPOINTMENT}`, `delivered ${APPOINTMENT}`]);

    reported.length = 0;
    org.injectFault({ kind: 'unavailable', times: Infinity });
    await enqueue('bk-3');
    const pass = await deliverOutbox(deps, org.orgId);
    t.equal(pass.delivered, 0);
    t.ok(pass.retryAt);
    t.same(reported, [`transient ${APPOINTMENT}`], 'one attempt failed, counted once');

    reported.length = 0;
    org.clearFaults();
    clock.advance(60_000);
    t.same(await deliverOutbox(deps, org.orgId), { delivered: 1, rejected: 0 });
    t.same(reported, [`delivered ${APPOINTMENT}`]);

    // Without a sink the outbox works as before.
    await enqueue('bk-4');
    t.same(await deliverOutbox({ ...deps, metrics: undefined }, org.orgId), { delivered: 1, rejected: 0 });
  });
}
