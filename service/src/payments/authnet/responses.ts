import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The parts of Authorize.Net's JSON responses the client reads, checked before use. Unknown
 * fields are allowed (Authorize.Net adds fields over time); numbers come as strings except amounts.
 */
const Messages = Type.Object({
  resultCode: Type.Union([Type.Literal('Ok'), Type.Literal('Error')]),
  message: Type.Array(Type.Object({ code: Type.String(), text: Type.String() })),
});

export const TransactionResponseSchema = Type.Object({
  responseCode: Type.String(),
  authCode: Type.Optional(Type.String()),
  avsResultCode: Type.Optional(Type.String()),
  cvvResultCode: Type.Optional(Type.String()),
  transId: Type.Optional(Type.String()),
  accountNumber: Type.Optional(Type.String()),
  accountType: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ errorCode: Type.String(), errorText: Type.String() }))),
  messages: Type.Optional(Type.Array(Type.Object({ code: Type.String(), description: Type.String() }))),
});

export const CreateTransactionResponse = Type.Object({
  messages: Messages,
  transactionResponse: Type.Optional(TransactionResponseSchema),
});

const Amount = Type.Union([Type.Number(), Type.String()]);

export const TransactionDetails = Type.Object({
  transId: Type.String(),
  refTransId: Type.Optional(Type.String()),
  submitTimeUTC: Type.String(),
  transactionType: Type.String(),
  transactionStatus: Type.String(),
  responseCode: Type.Optional(Type.Number()),
  authAmount: Type.Optional(Amount),
  settleAmount: Type.Optional(Amount),
  order: Type.Optional(Type.Object({ invoiceNumber: Type.Optional(Type.String()) })),
  payment: Type.Optional(
    Type.Object({
      creditCard: Type.Optional(Type.Object({ cardNumber: Type.String(), cardType: Type.Optional(Type.String()) })),
    }),
  ),
});

export const GetTransactionDetailsResponse = Type.Object({
  messages: Messages,
  transaction: Type.Optional(TransactionDetails),
});

export const TransactionSummary = Type.Object({
  transId: Type.String(),
  submitTimeUTC: Type.String(),
  transactionStatus: Type.String(),
  invoiceNumber: Type.Optional(Type.String()),
  accountNumber: Type.Optional(Type.String()),
  settleAmount: Type.Optional(Amount),
});

export const GetUnsettledTransactionListResponse = Type.Object({
  messages: Messages,
  transactions: Type.Optional(Type.Array(TransactionSummary)),
  totalNumInResultSet: Type.Optional(Type.Number()),
});

/** getTransactionListResponse (one settled batch) has the unsettled list's shape. */
export const GetTransactionListResponse = GetUnsettledTransactionListResponse;

export const BatchDetails = Type.Object({
  batchId: Type.String(),
  settlementTimeUTC: Type.String(),
  settlementState: Type.String(),
});

export const GetSettledBatchListResponse = Type.Object({
  messages: Messages,
  batchList: Type.Optional(Type.Array(BatchDetails)),
});

export type TransactionResponse = Static<typeof TransactionResponseSchema>;

/**
 * Authorize.Net's JSON body as an object: it starts with a UTF-8 byte order mark, which
 * JSON.parse rejects. (fetch's text() already drops a leading BOM; this also covers bodies
 * decoded another way.)
 */
export function parseAnetBody(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/** True when `value` has the shape of `schema` (a response we can read). */
export function hasShape<T extends Parameters<typeof Value.Check>[0]>(schema: T, value: unknown): value is Static<T> {
  return Value.Check(schema, value);
}
