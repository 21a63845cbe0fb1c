import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { seedDemoClinic } from '../service/src/salesforce/emulator/demo.ts';
import type { OrgEmulatorOptions } from '../service/src/salesforce/emulator/server.ts';
import { JsforceGateway, type GatewayOptions } from '../service/src/salesforce/gateway.ts';
import { SalesforceError } from '../service/src/salesforce/org-api.ts';
import { soql } from '../service/src/salesforce/soql.ts';
import { REDIRECT_URI, TestClock, startOrgEmulator } from './helpers/org-emulator.ts';

type Org = Awaited<ReturnType<typeof startOrgEmulator>>;

async function setup(
  t: Test,
  gatewayOptions: Partial<GatewayOptions> = {},
  emulatorOptions: OrgEmulatorOptions = {},
  baseUrl?: (org: Org) => string,
) {
  const clock = new TestClock();
  const org = await startOrgEmulator(t, { now: clock.now, ...emulatorOptions });
  const demo = seedDemoClinic(org, clock.now());
  const session = org.issueSession();
  const url = baseUrl ? baseUrl(org) : org.url;
  const sleeps: number[] = [];
  const gateway = new JsforceGateway({
    loadConnection: async (orgId) =>
      orgId.slice(0, 15) === org.orgId.slice(0, 15)
        ? {
            orgId: org.orgId,
            instanceUrl: url,
            loginHost: new URL(url).host,
            integrationUserId: org.integrationUserId,
            refreshToken: session.refreshToken!,
            apiVersion: '65.0',
            connectedAt: new Date(),
            disconnectedAt: null,
            lastSyncAt: null,
          }
        : undefined,
    client: { clientId: org.clientId, clientSecret: org.clientSecret, redirectUri: REDIRECT_URI },
    allowLocalEmulator: true,
    sleep: async (ms) => void sleeps.push(ms),
    ...gatewayOptions,
  });
  const appointment = (key: string) => ({
    Appointment_Type__c: demo.ids.get('TypeFollowUpRef'),
    Resource__c: demo.ids.get('ResourcePatelRef'),
    Start__c: '2026-04-01T09:00:00Z',
    End__c: '2026-04-01T09:30:00Z',
    Booking_Key__c: key,
  });
  return { org, demo, gateway, sleeps, session, appointment, orgId: org.orgId, clock };
}

async function failure(t: Test, promise: Promise<unknown>): Promise<SalesforceError> {
  try {
    await promise;
  } catch (error) {
    t.type(error, SalesforceError);
    return error as SalesforceError;
  }
  t.fail('expected a SalesforceError');
  return new SalesforceError('RESOLVED', '', false);
}

t.test('query, queryAll (all pages), create, update and upsert round trips', async (t) => {
  const { org, gateway, orgId, appointment } = await setup(t, {}, { queryBatchSize: 2 });
  const id = await gateway.create(orgId, 'Slotwise_Appointment__c', { ...appointment('bk-1'), Patient_Name__c: 'A' });
  t.match(id, /^[A-Za-z0-9]{18}$/);
  await gateway.update(orgId, 'Slotwise_Appointment__c', id, { Patient_Name__c: "O'Brien" });
  t.equal(org.record('Slotwise_Appointment__c', id)!.Patient_Name__c, "O'Brien");

  const created = await gateway.upsert(orgId, 'Slotwise_Appointment__c', 'Booking_Key__c', 'bk/2?x', appointment('x'));
  t.equal(created.created, true);
  t.equal(org.record('Slotwise_Appointment__c', created.id)!.Booking_Key__c, 'bk/2?x');
  const updated = await gateway.upsert(orgId, 'Slotwise_Appointment__c', 'Booking_Key__c', 'bk/2?x', {
    Status__c: 'Cancelled',
  });
  t.same(updated, { id: created.id, created: false });

  const all = org.records('Slotwise_Appointment__c');
  t.ok(all.length > 2, 'more rows than one page');
  const rows = await gateway.query<{ Id: string; Patient_Name__c: string | null }>(
    orgId,
    soql`SELECT Id, Patient_Name__c FROM Slotwise_Appointment__c ORDER BY Id`,
  );
  t.same(rows.map((row) => row.Id).sort(), all.map((row) => row.Id as string).sort(), 'every page followed');
  t.equal(rows.find((row) => row.Id === id)?.Patient_Name__c, "O'Brien");

  org.delete('Slotwise_Appointment__c', id);
  const live = await gateway.query(orgId, soql`SELECT Id FROM Slotwise_Appointment__c WHERE Id = ${id}`);
  t.same(live, []);
  const withDeleted = await gateway.queryAll<{ Id: string; IsDeleted: boolean }>(
    orgId,
    soql`SELECT Id, IsDeleted FROM Slotwise_Appointment__c WHERE Id = ${id}`,
  );
  t.same(
    withDeleted.map((row) => [row.Id, row.IsDeleted]),
    [[id, true]],
  );
});

t.test('the first call refreshes without a wasted 401; an expired session is refreshed by jsforce', async (t) => {
  const { org, gateway, orgId } = await setup(t);
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  t.equal(org.apiUsage.used, 1, 'one data call: the token was refreshed before it');
  org.injectFault({ kind: 'expired-session' });
  const rows = await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  t.ok(rows.length > 0);
  t.equal(org.apiUsage.used, 3, 'the 401, then the same call with the new token');
});

t.test('usage comes from Sforce-Limit-Info', async (t) => {
  const { gateway, orgId } = await setup(t, {}, { dailyApiLimit: 5000 });
  t.equal(gateway.usage(orgId), undefined);
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  t.same(gateway.usage(orgId), { used: 2, max: 5000 });
});

t.test('transient failures are retried with backoff; jsforce does not retry on its own', async (t) => {
  const { org, gateway, orgId, appointment, sleeps } = await setup(t, { random: () => 1 });
  org.injectFault({ kind: 'unavailable', times: 2 });
  const id = await gateway.create(orgId, 'Slotwise_Appointment__c', appointment('bk-r'));
  t.ok(org.record('Slotwise_Appointment__c', id));
  t.equal(org.apiUsage.used, 3, 'two 503s, then the create');
  t.same(sleeps, [500, 1000], 'exponential backoff (jitter at its maximum)');

  org.injectFault({ kind: 'unavailable', times: 2 });
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  t.equal(org.apiUsage.used, 6, 'a GET: two 503s and the query, no hidden jsforce retries');

  org.injectFault({ kind: 'unable-to-lock-row', times: 1 });
  await gateway.update(orgId, 'Slotwise_Appointment__c', id, { Patient_Name__c: 'Locked once' });
  t.equal(org.record('Slotwise_Appointment__c', id)!.Patient_Name__c, 'Locked once');

  org.injectFault({ kind: 'connection-reset', times: 1 });
  await gateway.update(orgId, 'Slotwise_Appointment__c', id, { Patient_Name__c: 'Reset once' });
  t.equal(org.record('Slotwise_Appointment__c', id)!.Patient_Name__c, 'Reset once');

  const before = org.apiUsage.used;
  org.injectFault({ kind: 'unavailable', times: 5 });
  const exhausted = await failure(t, gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c'));
  t.equal(exhausted.errorCode, 'SERVER_UNAVAILABLE');
  t.equal(exhausted.transient, true);
  t.equal(org.apiUsage.used - before, 3, 'three attempts in all');
  org.clearFaults();
});

t.test('a create that may have been applied is not sent again', async (t) => {
  const { org, gateway, orgId, appointment } = await setup(t);
  org.injectFault({ kind: 'connection-reset', times: 1 });
  const reset = await failure(t, gateway.create(orgId, 'Slotwise_Appointment__c', appointment('bk-amb')));
  t.equal(reset.errorCode, 'NETWORK_ERROR');
  t.equal(reset.transient, true);
  t.equal(org.apiUsage.used, 1);
});

t.test('permanent failures are not retried', async (t) => {
  const { org, gateway, orgId, appointment } = await setup(t);
  const id = await gateway.create(orgId, 'Slotwise_Appointment__c', appointment('bk-p'));
  let before = org.apiUsage.used;

  const invalidField = await failure(t, gateway.query(orgId, 'SELECT Nope__c FROM Slotwise_Resource__c'));
  t.equal(invalidField.errorCode, 'INVALID_FIELD');
  t.equal(invalidField.transient, false);
  t.equal(org.apiUsage.used - before, 1);

  before = org.apiUsage.used;
  const malformed = await failure(t, gateway.query(orgId, 'SELECT FROM WHERE'));
  t.equal(malformed.errorCode, 'MALFORMED_QUERY');
  t.equal(org.apiUsage.used - before, 1);

  before = org.apiUsage.used;
  org.injectFault({ kind: 'validation-rule', message: 'End must be after start', field: 'End__c' });
  const rule = await failure(t, gateway.update(orgId, 'Slotwise_Appointment__c', id, { Patient_Name__c: 'x' }));
  t.equal(rule.errorCode, 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
  t.equal(rule.transient, false);
  t.same(rule.fields, ['End__c']);
  t.equal(org.apiUsage.used - before, 1);

  before = org.apiUsage.used;
  const type = await failure(t, gateway.create(orgId, 'Nope__c', {}));
  t.equal(type.errorCode, 'NOT_FOUND', 'what Salesforce answers a POST to an unknown sObject');
  t.equal(type.transient, false);
  t.equal(org.apiUsage.used - before, 1);

  before = org.apiUsage.used;
  org.injectFault({ kind: 'request-limit' });
  const limit = await failure(t, gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c'));
  t.equal(limit.errorCode, 'REQUEST_LIMIT_EXCEEDED');
  t.equal(limit.transient, true, 'transient: the outbox tries later');
  t.equal(org.apiUsage.used - before, 1, 'but not retried at once');

  before = org.apiUsage.used;
  const path = await failure(t, gateway.update(orgId, 'Slotwise_Appointment__c/../x', id, {}));
  t.equal(path.errorCode, 'INVALID_TYPE');
  t.equal(org.apiUsage.used - before, 0, 'refused before any call');

  const unknown = await failure(t, gateway.query('00D000000000001AAA', 'SELECT Id FROM User'));
  t.equal(unknown.errorCode, 'ORG_NOT_CONNECTED');
});

t.test('a revoked refresh token: ORG_DISCONNECTED, permanent, mid-session and on first use', async (t) => {
  const { org, gateway, orgId, session } = await setup(t);
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  const revoke = await fetch(`${org.url}/services/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: session.refreshToken! }),
  });
  t.equal(revoke.status, 200);
  const midSession = await failure(t, gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c'));
  t.equal(midSession.errorCode, 'ORG_DISCONNECTED');
  t.equal(midSession.transient, false);
  const before = org.apiUsage.used;
  const firstUse = await failure(t, gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c'));
  t.equal(firstUse.errorCode, 'ORG_DISCONNECTED');
  t.equal(org.apiUsage.used, before, 'a fresh connection fails at the refresh, before any data call');
});

t.test('a call that takes too long is a transient TIMEOUT; reads are retried', async (t) => {
  const { org, gateway, orgId, appointment } = await setup(t, { timeoutMs: 150 });
  await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  org.injectFault({ kind: 'slow', delayMs: 400, times: 1 });
  const rows = await gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c');
  t.ok(rows.length > 0, 'the second attempt answered in time');

  org.injectFault({ kind: 'slow', delayMs: 400, times: 1 });
  const timedOut = await failure(t, gateway.create(orgId, 'Slotwise_Appointment__c', appointment('bk-t')));
  t.equal(timedOut.errorCode, 'TIMEOUT');
  t.equal(timedOut.transient, true);
});

t.test('at most maxConcurrent calls per org are in flight', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  let target = '';
  // A counting proxy in front of the emulator: it sees what jsforce really sends.
  const proxy = createServer((request, response) => {
    const data = request.url!.startsWith('/services/data/');
    if (data) maxInFlight = Math.max(maxInFlight, ++inFlight);
    const upstream = httpRequest(
      `${target}${request.url}`,
      { method: request.method, headers: request.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          if (data) inFlight -= 1;
          // The token endpoint names the instance URL: keep jsforce talking through the proxy.
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replaceAll(target, proxyUrl));
          response.writeHead(answer.statusCode!, { ...answer.headers, 'content-length': body.length }).end(body);
        });
      },
    );
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  );
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const { org, gateway, orgId } = await setup(t, { maxConcurrent: 3 }, {}, (org) => {
    target = org.url;
    return proxyUrl;
  });
  org.injectFault({ kind: 'slow', delayMs: 60, times: 12 });
  const calls = Array.from({ length: 12 }, () => gateway.query(orgId, 'SELECT Id FROM Slotwise_Resource__c'));
  const results = await Promise.all(calls);
  t.equal(results.length, 12);
  t.equal(maxInFlight, 3, 'the cap, reached and never passed');
});
