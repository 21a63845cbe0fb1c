// GET /v1/credits/history (docs/org-api.yaml getCreditHistory) on the real app: purchases, refunds
// and adjustments one by one, SMS consumption one entry per UTC day with reservations and releases
// left out, newest first, paged by an opaque cursor that stays stable while today's SMS summary
// grows; another org's ledger never shows, and nothing card-like leaves the service.
import t from 'tap';
import { creditBalance, postCreditTransaction, type CreditRequest } from '../../service/src/credits/store.ts';
import { encodeHistoryCursor } from '../../service/src/credits/history.ts';
import type { CreditOperation } from '../../service/src/credits/ledger.ts';
import { issueApiKey } from '../../service/src/org/api-keys.ts';
import type { Queryable } from '../../service/src/store/store.ts';
import { BACKENDS } from '../helpers/backends.ts';
import { USER, orgApiApp } from './org-api-app.ts';

const OTHER_ORG = '00D5g0000HistoryAA';
const ALLOWANCE = 20;
const DAY_1 = '2026-03-01';
const DAY_2 = '2026-03-02';
const DAY_3 = '2026-03-03';
const PURCHASE_TRANSACTION = '60123456789';
const REFUND_TRANSACTION = '60123456790';
// A test card number: were it ever in a reference, the history must not repeat it.
const CARD = '4111111111111111';

interface Entry {
  entryId: string;
  kind: string;
  credits: number;
  money: { amount: number; currencyCode: string } | null;
  reference: string | null;
  refundOf: string | null;
  messages: number | null;
  day: string;
  createdAt: string;
}

interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

async function addOrg(store: Queryable, orgId: string): Promise<void> {
  await store.query(
    `insert into org_connection (org_id, instance_url, login_host, integration_user_id, refresh_token_ciphertext, api_version)
     values ($1, 'https://other.my.salesforce.com', 'login.salesforce.com', '005000000000001AAA', '\\x00', '65.0')`,
    [orgId],
  );
}

for (const backend of BACKENDS) {
  t.test(`${backend}: the history lists what an admin needs, newest first, a page at a time`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, store, org, headers, logs } = setup;
    await addOrg(store, OTHER_ORG);
    const other = await issueApiKey(store, OTHER_ORG);

    let key = 0;
    const post = async (at: string, operation: CreditOperation, extra: Partial<CreditRequest> = {}) => {
      const posted = await postCreditTransaction(
        store,
        { orgId: org.orgId, idempotencyKey: `test-${++key}`, operation, ...extra },
        { now: new Date(at), openingAllowance: ALLOWANCE },
      );
      if (!posted.ok) throw new Error(`refused: ${posted.error.code}`);
      return posted.transaction;
    };
    /** One message the way sms-credits.ts settles it: reserved, then consumed and the rest released. */
    const sms = async (at: string, reserved: number, consumed: number, orgId = org.orgId) => {
      const message = ++key;
      const leg = (step: string, operation: CreditOperation) =>
        postCreditTransaction(
          store,
          { orgId, idempotencyKey: `sms:${message}:${step}`, reference: `sms_message:${message}`, operation },
          { now: new Date(at), openingAllowance: ALLOWANCE },
        );
      await leg('reserve', { kind: 'reserve', amount: reserved });
      if (consumed > 0) await leg('consume', { kind: 'consume', amount: consumed });
      if (reserved > consumed) await leg('release', { kind: 'release', amount: reserved - consumed });
    };

    // Day 1: the allowance opens the ledger with the first purchase; three messages, one never sent.
    const bought = await post(
      `${DAY_1}T09:00:00Z`,
      { kind: 'purchase', amount: 100, money: { minor: 1500, currency: 'USD' } },
      { reference: PURCHASE_TRANSACTION },
    );
    await sms(`${DAY_1}T10:00:00Z`, 2, 2);
    await sms(`${DAY_1}T11:00:00Z`, 3, 1);
    await sms(`${DAY_1}T12:00:00Z`, 1, 0);
    // Day 2: part of the purchase refunded, a correction, four one-segment messages.
    await post(
      `${DAY_2}T08:00:00Z`,
      { kind: 'refund', amount: 50, purchaseId: String(bought.id), money: { minor: 750, currency: 'USD' } },
      { reference: REFUND_TRANSACTION },
    );
    for (const hour of ['09', '10', '11', '12']) await sms(`${DAY_2}T${hour}:00:00Z`, 1, 1);
    await post(`${DAY_2}T13:00:00Z`, { kind: 'adjustment', amount: -5 }, { reference: 'duplicate reminders' });
    // Day 3: a purchase whose reference, against every rule, holds a card number.
    await post(
      `${DAY_3}T09:00:00Z`,
      { kind: 'purchase', amount: 200, money: { minor: 2500, currency: 'USD' } },
      { reference: `card ${CARD}` },
    );
    // Another org's ledger, on the same days.
    await postCreditTransaction(
      store,
      {
        orgId: OTHER_ORG,
        idempotencyKey: 'other-purchase',
        reference: '60999999999',
        operation: { kind: 'purchase', amount: 500, money: { minor: 6000, currency: 'USD' } },
      },
      { now: new Date(`${DAY_2}T10:30:00Z`), openingAllowance: 0 },
    );
    await sms(`${DAY_2}T10:45:00Z`, 7, 7, OTHER_ORG);

    const history = (query = '', apiHeaders: Record<string, string> = headers()) =>
      app.inject({ url: `/v1/credits/history${query}`, headers: apiHeaders });
    const all = await history();
    t.equal(all.statusCode, 200, all.body);
    const page: Page = all.json();
    t.same(
      page.entries.map((entry) => [entry.kind, entry.day, entry.credits, entry.messages]),
      [
        ['purchase', DAY_3, 200, null],
        ['sms', DAY_2, -4, 4],
        ['adjustment', DAY_2, -5, null],
        ['refund', DAY_2, -50, null],
        ['sms', DAY_1, -3, 2],
        ['purchase', DAY_1, 100, null],
        ['allowance', DAY_1, ALLOWANCE, null],
      ],
      'newest day first, its SMS summary first; reservations and releases never listed',
    );
    t.equal(page.nextCursor, null, 'one page');
    const [cardPurchase, day2Sms, adjustment, refund, day1Sms, purchase, allowance] = page.entries;
    t.match(purchase, {
      entryId: String(bought.id),
      money: { amount: 15, currencyCode: 'USD' },
      reference: PURCHASE_TRANSACTION,
      refundOf: null,
      createdAt: `${DAY_1}T09:00:00.000Z`,
    });
    t.match(refund, {
      money: { amount: 7.5, currencyCode: 'USD' },
      reference: REFUND_TRANSACTION,
      refundOf: String(bought.id),
    });
    t.match(adjustment, { money: null, reference: 'duplicate reminders' });
    t.match(allowance, { money: null, reference: null });
    t.same(day1Sms, {
      entryId: `sms-${DAY_1}`,
      kind: 'sms',
      credits: -3,
      money: null,
      reference: null,
      refundOf: null,
      messages: 2,
      day: DAY_1,
      createdAt: `${DAY_1}T11:00:00.000Z`,
    });
    t.match(day2Sms, { entryId: `sms-${DAY_2}`, createdAt: `${DAY_2}T12:00:00.000Z` });
    t.match(
      cardPurchase,
      { money: { amount: 25, currencyCode: 'USD' }, reference: null },
      'a card-like reference is withheld',
    );
    t.notOk(all.body.includes(CARD), 'no card number in the answer');
    t.notOk(
      logs.some((line) => line.includes(CARD)),
      'nor in the log',
    );
    t.notOk(all.body.includes('60999999999'), "nothing of the other org's ledger");

    const { available } = await creditBalance(store, org.orgId, ALLOWANCE);
    t.equal(
      page.entries.reduce((sum, entry) => sum + entry.credits, 0),
      available,
      'the entries add up to the balance once every message is settled',
    );

    // Page by two; a message sent on day 2 after the first page neither repeats its summary nor is lost.
    const first: Page = (await history('?limit=2')).json();
    t.same(
      first.entries.map((entry) => entry.entryId),
      [cardPurchase!.entryId, `sms-${DAY_2}`],
    );
    await sms(`${DAY_2}T14:00:00Z`, 2, 2);
    const seen = [...first.entries];
    let cursor = first.nextCursor;
    let pages = 1;
    while (cursor !== null) {
      const next = await history(`?limit=2&before=${cursor}`);
      t.equal(next.statusCode, 200, next.body);
      const body: Page = next.json();
      seen.push(...body.entries);
      cursor = body.nextCursor;
      pages++;
    }
    t.equal(pages, 4);
    t.same(
      seen.map((entry) => entry.entryId),
      page.entries.map((entry) => entry.entryId),
      'every entry once, in order',
    );
    t.match((await history('?limit=2')).json().entries[1], { entryId: `sms-${DAY_2}`, credits: -6, messages: 5 });

    const others: Page = (await history('', { 'x-slotwise-api-key': other.key, 'x-slotwise-user-id': USER })).json();
    t.same(
      others.entries.map((entry) => [entry.kind, entry.credits, entry.reference]),
      [
        ['sms', -7, null],
        ['purchase', 500, '60999999999'],
      ],
      'the other org sees its own ledger only',
    );
    t.equal((await history('', { 'x-slotwise-user-id': USER })).statusCode, 401, 'no key, no history');
  });

  t.test(`${backend}: bad cursors and limits are refused with 400`, async (t) => {
    const setup = await orgApiApp(t, backend);
    if (!setup) return;
    const { app, headers } = setup;
    const empty = await app.inject({ url: '/v1/credits/history', headers: headers() });
    t.same(empty.json(), { entries: [], nextCursor: null }, 'an org without a ledger has no history');
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    const valid = encodeHistoryCursor({ day: DAY_1, after: 'sms' });
    t.equal(
      (await app.inject({ url: `/v1/credits/history?before=${valid}`, headers: headers() })).statusCode,
      200,
      'a well-formed cursor',
    );
    const invalid: [string, string][] = [
      ['?limit=0', 'invalid_request'],
      ['?limit=101', 'invalid_request'],
      ['?limit=x', 'invalid_request'],
      ['?limit=2.5', 'invalid_request'],
      ['?before=', 'invalid_request'],
      [`?before=${'x'.repeat(201)}`, 'invalid_request'],
      ['?before=not%20a%20cursor', 'invalid_cursor'],
      [`?before=${cursor('2026-02-30|5')}`, 'invalid_cursor'],
      [`?before=${cursor(`${DAY_1}|0`)}`, 'invalid_cursor'],
      [`?before=${cursor(`${DAY_1}|99999999999999999999`)}`, 'invalid_cursor'],
      [`?before=${cursor(`${DAY_1}|1 or 1=1`)}`, 'invalid_cursor'],
    ];
    for (const [query, code] of invalid) {
      const response = await app.inject({ url: `/v1/credits/history${query}`, headers: headers() });
      t.equal(response.statusCode, 400, query);
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', query);
      t.equal(response.json().code, code, query);
    }
  });
}
