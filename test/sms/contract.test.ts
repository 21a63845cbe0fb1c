import t from 'tap';
import { readFileSync } from 'node:fs';
import { findSpec } from '../helpers/specs.ts';
import { checkForm, formSchemaOf } from './form-contract.ts';
import { apiFor, FROM_NUMBER, MESSAGING_SERVICE_SID, startStandIn } from './helpers.ts';

const twilioSpec = findSpec('twilio_api_v2010.json');
const MESSAGES_PATH = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const MESSAGE_PATH = '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json';

const absent = twilioSpec.skip;
const SPEC_FILE = twilioSpec.path!;

t.test('every request the service makes to Twilio matches Twilio’s API spec', { skip: absent }, async (t) => {
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as {
    paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
  };
  const createSchema = formSchemaOf(spec, MESSAGES_PATH, 'post');

  const standin = await startStandIn(t);
  const api = apiFor(standin);
  const common = {
    statusCallback: 'https://slotwise.example.com/webhooks/twilio/status?reminder=r-1',
    validityPeriodSeconds: 900,
  };
  await api.sendSms({ ...common, to: '+447700900123', body: 'Hi Ana', messagingServiceSid: MESSAGING_SERVICE_SID });
  await api.sendSms({ ...common, to: '+14155550100', body: 'مرحبا 👋🏽 {{x}} & = + %', from: FROM_NUMBER, attempt: 3 });
  const [first] = await api.findMessages({ to: '+447700900123', from: FROM_NUMBER, limit: 5 });
  await api.fetchMessage(first?.sid ?? standin.messages()[0]!.sid);

  const posts = standin.requests.filter((r) => r.method === 'POST');
  t.equal(posts.length, 2, 'both sends were recorded');
  for (const request of posts) {
    t.equal(request.path, MESSAGES_PATH.replace('{AccountSid}', standin.accountSid));
    t.equal(request.contentType, 'application/x-www-form-urlencoded', 'the content type the spec defines');
    t.same(
      checkForm(spec, createSchema, request.params),
      [],
      `conforms: ${request.params.map(([name]) => name).join(', ')}`,
    );
    const names = new Set(request.params.map(([name]) => name));
    t.ok(
      names.has('StatusCallback') && names.has('ValidityPeriod'),
      'status callback and validity period are always sent',
    );
    t.ok(names.has('MessagingServiceSid') !== names.has('From'), 'exactly one of MessagingServiceSid and From');
  }
  t.same(
    posts.map((r) => r.params.find(([name]) => name === 'Attempt')?.[1]),
    [undefined, '3'],
    'Attempt is sent on a retry only',
  );

  const listParameters = new Set(
    (spec.paths[MESSAGES_PATH]?.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  );
  const gets = standin.requests.filter((r) => r.method === 'GET');
  t.equal(gets.length, 2, 'one list and one fetch');
  for (const request of gets) {
    const template = request.path.endsWith('/Messages.json') ? MESSAGES_PATH : MESSAGE_PATH;
    t.ok(spec.paths[template]?.get, `GET ${template} is in the spec`);
    const unknown = request.params.map(([name]) => name).filter((name) => !listParameters.has(name));
    t.same(unknown, [], `query parameters are the spec's: ${request.params.map(([name]) => name).join(', ')}`);
  }
});

t.test('the checker catches what the spec forbids', { skip: absent }, async (t) => {
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as unknown;
  const schema = formSchemaOf(spec, MESSAGES_PATH, 'post');
  t.same(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['Body', 'Hi'],
    ]),
    [],
  );
  t.same(checkForm(spec, schema, [['Body', 'Hi']]), ['To: required but missing']);
  t.same(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['Reference', 'r-1'],
    ]),
    ['Reference: not a field of this request'],
  );
  t.same(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['ValidityPeriod', '15m'],
    ]),
    ['ValidityPeriod: "15m" is not an integer'],
  );
  t.same(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['RiskCheck', 'maybe'],
    ]),
    ['RiskCheck: "maybe" is not one of enable, disable'],
  );
  t.match(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['MessagingServiceSid', 'MG123'],
    ]),
    [/does not match|too short/],
  );
  t.same(checkForm(spec, schema, [['To', '07700 900123']]), ['To: "07700 900123" is not a phone number']);
  t.same(
    checkForm(spec, schema, [
      ['To', '+447700900123'],
      ['Body', 'a'],
      ['Body', 'b'],
    ]),
    ['Body: sent 2 times'],
  );
});
