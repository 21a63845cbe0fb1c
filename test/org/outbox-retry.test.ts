import t from 'tap';
import { saveConnection } from '../../service/src/org/connections.ts';
import { ORG_ID_PATTERN, toId18 } from '../../service/src/salesforce/ids.ts';
import type { Queryable } from '../../service/src/store/store.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { waitFor } from '../helpers/process.ts';
import { APPOINTMENT, USER, orgApiApp } from './org-api-app.ts';

const OTHER_ORG = toId18('00D5g00000Z9y8x', ORG_ID_PATTERN)!;

/** An outbox row in a given state, written directly (for states delivery would not leave alone). */
async function insertWrite(store: Queryable, orgId: string, recordKey: string, state: string): Promise<number> {
  const [row] = await store.query<{ id: number }>(
    `insert into org_outbox (org_id, sobject, operation, record_id, record_key, state, next_attempt_at,
       last_error_code, last_attempt_at, created_at)
     values ($1, 'Slotwise_Appointment__c', 'update', 'a00000000000001AAA', $2, $3, now(), $4, now(), now())
     returning id`,
    [orgId, recordKey, state, state === 'rejected' ? 'FIELD_CUSTOM_VALIDATION_EXCEPTION' : null],
  );
  return row!.id;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: a rejected write retried through the org API reaches the org`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, headers, appointment } = setup;
    const id = await store.transaction((tx) => app.outbox.enqueue(tx, appointment('bk-retry')));
    org.injectFault({ kind: 'validation-rule', message: 'End must be after start.', field: 'End__c' });
    await app.outbox.wake(org.orgId);
    await waitFor('the write to be rejected', async () =>
      (await app.outbox.status(org.orgId)).rejected === 1 ? true : undefined,
    );

    const status = await app.inject({ url: '/v1/org/status', headers: headers() });
    t.match(status.json().outbox.lastRejected, [{ id, sobject: APPOINTMENT }], 'the status names the write by id');

    const retry = await app.inject({ method: 'POST', url: `/v1/org/outbox/${id}/retry`, headers: headers() });
    t.equal(retry.statusCode, 204, retry.body);
    t.equal(retry.body, '');
    await waitFor('the retried write to reach the org', async () =>
      org.records(APPOINTMENT).some((record) => record.Booking_Key__c === 'bk-retry') ? true : undefined,
    );
    await waitFor('the outbox to be empty', async () => {
      const after = await app.outbox.status(org.orgId);
      return after.pending === 0 && after.rejected === 0 ? true : undefined;
    });

    const again = await app.inject({ method: 'POST', url: `/v1/org/outbox/${id}/retry`, headers: headers() });
    t.equal(again.statusCode, 409, 'a delivered write cannot be retried');
    t.match(again.json(), { code: 'write_not_rejected', detail: 'The write is delivered.' });
    t.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  t.test(`${backend}: unknown, foreign, pending, superseded and malformed ids get clear 4xx answers`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, headers } = setup;
    await saveConnection(store, app.envelope, {
      orgId: OTHER_ORG,
      instanceUrl: 'https://other.my.salesforce.com',
      loginHost: 'login.salesforce.com',
      integrationUserId: USER,
      refreshToken: 'refresh-other',
      apiVersion: '62.0',
    });
    const foreign = await insertWrite(store, OTHER_ORG, 'Slotwise_Appointment__c:foreign', 'rejected');
    const older = await insertWrite(store, org.orgId, 'Slotwise_Appointment__c:a1', 'rejected');
    await insertWrite(store, org.orgId, 'Slotwise_Appointment__c:a1', 'delivered');
    const pending = await insertWrite(store, org.orgId, 'Slotwise_Appointment__c:a2', 'pending');
    const retry = (id: string | number) =>
      app.inject({ method: 'POST', url: `/v1/org/outbox/${id}/retry`, headers: headers() });

    const unknown = await retry(foreign + 1000);
    t.equal(unknown.statusCode, 404);
    t.equal(unknown.json().code, 'write_not_found');
    const other = await retry(foreign);
    t.equal(other.statusCode, 404, "another org's write is not found");
    t.equal(other.json().code, 'write_not_found');
    const [foreignRow] = await store.query('select state from org_outbox where id = $1', [foreign]);
    t.same(foreignRow, { state: 'rejected' }, "the other org's write is untouched");

    const notRejected = await retry(pending);
    t.equal(notRejected.statusCode, 409);
    t.match(notRejected.json(), { code: 'write_not_rejected', detail: 'The write is pending.' });

    const superseded = await retry(older);
    t.equal(superseded.statusCode, 409, 'a later write of the record already went');
    t.equal(superseded.json().code, 'write_superseded');
    const [olderRow] = await store.query('select state from org_outbox where id = $1', [older]);
    t.same(olderRow, { state: 'rejected' }, 'it stays rejected');

    for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const response = await retry(bad);
      t.equal(response.statusCode, 400, `id ${bad}`);
      t.equal(response.json().code, 'invalid_request', `id ${bad}`);
    }

    const noKey = await app.inject({ method: 'POST', url: `/v1/org/outbox/${older}/retry` });
    t.equal(noKey.statusCode, 401, 'the route is behind the org API key');
  });
}
