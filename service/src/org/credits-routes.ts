// The org's SMS credits through the org API (docs/org-api.yaml getCredits): the ledger's available
// balance (through app.reminders.status), the packs on sale (CREDIT_PACKS), the low-balance
// threshold (CREDIT_LOW_BALANCE), what the last days consumed, and whether reminders wait for credits.
// getCreditHistory pages through the ledger as credits/history.ts summarises it for an admin.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  decodeHistoryCursor,
  encodeHistoryCursor,
  listCreditHistory,
  type HistoryCursor,
} from '../credits/history.ts';
import { majorAmount, packId, type CreditPack } from '../credits/packs.ts';
import { HttpProblem } from '../problem.ts';
import { ORG_ROUTE, orgOf } from './principal.ts';

/** Days of usage shown, today included. */
export const USAGE_DAYS = 30;
const DAY_MS = 86_400_000;

/** docs/org-api.yaml, components/schemas/Credits. */
const CreditsSchema = Type.Object(
  {
    balance: Type.Integer(),
    lowBalanceThreshold: Type.Integer(),
    packs: Type.Array(
      Type.Object({
        packId: Type.String(),
        credits: Type.Integer({ minimum: 1 }),
        amount: Type.Number(),
        currencyCode: Type.String(),
      }),
    ),
    remindersPaused: Type.Boolean(),
    pausedReminders: Type.Integer({ minimum: 0 }),
    recentUsage: Type.Array(Type.Object({ day: Type.String(), segments: Type.Integer(), messages: Type.Integer() })),
  },
  { additionalProperties: false },
);
type Credits = Static<typeof CreditsSchema>;

const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: HISTORY_LIMIT_MAX, default: HISTORY_LIMIT_DEFAULT }),
  },
  { additionalProperties: false },
);

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** docs/org-api.yaml, components/schemas/CreditHistoryEntry. */
const CreditHistoryEntrySchema = Type.Object(
  {
    entryId: Type.String(),
    kind: Type.Union([
      Type.Literal('purchase'),
      Type.Literal('refund'),
      Type.Literal('adjustment'),
      Type.Literal('allowance'),
      Type.Literal('sms'),
    ]),
    credits: Type.Integer(),
    money: Type.Union([
      Type.Object({ amount: Type.Number(), currencyCode: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    reference: NullableString,
    refundOf: NullableString,
    messages: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    day: Type.String({ format: 'date' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** docs/org-api.yaml, components/schemas/CreditHistoryPage. */
const CreditHistoryPageSchema = Type.Object(
  { entries: Type.Array(CreditHistoryEntrySchema), nextCursor: NullableString },
  { additionalProperties: false },
);
type CreditHistoryPage = Static<typeof CreditHistoryPageSchema>;

export interface CreditsRoutesOptions {
  packs: readonly CreditPack[];
  /** At or below this many available credits the console warns the admin. */
  lowBalance: number;
}

/** getCredits and getCreditHistory of the org API (registered under /v1 behind plugins/org-auth.ts). */
export async function creditsRoutes(v1: FastifyInstance, options: CreditsRoutesOptions): Promise<void> {
  const packs = options.packs.map((pack) => ({
    packId: packId(pack),
    credits: pack.credits,
    amount: majorAmount(pack.price),
    currencyCode: pack.price.currency,
  }));
  v1.get(
    '/credits',
    { ...ORG_ROUTE, schema: { response: { 200: CreditsSchema } } },
    async (request): Promise<Credits> => {
      if (!v1.hasDecorator('reminders')) {
        throw new HttpProblem(
          503,
          'sms_not_configured',
          'SMS is not set up on this service',
          'The service has no Twilio account configured; ask the service operator to set TWILIO_*.',
        );
      }
      const { orgId } = orgOf(request);
      const status = await v1.reminders.status(orgId);
      const since = new Date(Date.now() - (USAGE_DAYS - 1) * DAY_MS);
      since.setUTCHours(0, 0, 0, 0);
      const usage = await v1.storeConnection.store.query<{ day: string; segments: number; messages: number }>(
        `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day,
              sum(amount)::int as segments, count(*)::int as messages
         from credit_transaction where org_id = $1 and kind = 'consume' and created_at >= $2
        group by 1 order by 1 desc`,
        [orgId, since],
      );
      const paused = status.states.paused ?? 0;
      return {
        balance: status.creditBalance,
        lowBalanceThreshold: options.lowBalance,
        packs,
        remindersPaused: paused > 0,
        pausedReminders: paused,
        recentUsage: usage.map((row) => ({
          day: row.day,
          segments: Number(row.segments),
          messages: Number(row.messages),
        })),
      };
    },
  );

  // The ledger is there whether or not SMS is configured (purchases, allowance): no 503 here.
  v1.get<{ Querystring: Static<typeof HistoryQuery> }>(
    '/credits/history',
    { ...ORG_ROUTE, schema: { querystring: HistoryQuery, response: { 200: CreditHistoryPageSchema } } },
    async (request): Promise<CreditHistoryPage> => {
      const { orgId } = orgOf(request);
      const { before, limit } = request.query;
      let cursor: HistoryCursor | undefined;
      if (before !== undefined) {
        cursor = decodeHistoryCursor(before);
        if (!cursor) {
          throw new HttpProblem(400, 'invalid_cursor', 'Unknown cursor', 'Pass the `nextCursor` of a previous page.');
        }
      }
      const page = await listCreditHistory(v1.storeConnection.store, orgId, {
        limit,
        ...(cursor ? { before: cursor } : {}),
      });
      return {
        entries: page.entries.map((entry) => ({
          ...entry,
          money: entry.money && { amount: majorAmount(entry.money), currencyCode: entry.money.currency },
          createdAt: entry.createdAt.toISOString(),
        })),
        nextCursor: page.next ? encodeHistoryCursor(page.next) : null,
      };
    },
  );
}
