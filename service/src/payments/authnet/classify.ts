import { AuthNetError, type AuthNetErrorKind } from './errors.ts';

/** The parts of an Authorize.Net JSON response the classification reads. */
export interface AnetMessages {
  resultCode?: string;
  message?: { code?: string; text?: string }[];
}
export interface TransactionResponse {
  responseCode?: string;
  authCode?: string;
  avsResultCode?: string;
  cvvResultCode?: string;
  transId?: string;
  accountNumber?: string;
  accountType?: string;
  errors?: { errorCode?: string; errorText?: string }[];
  /** Set instead of errors when approved or held. */
  messages?: { code?: string; description?: string }[];
}

// Response reason codes (transactionResponse.errors[].errorCode) that name a cause the payer can fix.
const REASONS: Record<string, AuthNetErrorKind> = {
  '8': 'expired_card',
  '11': 'duplicate',
  '27': 'avs_mismatch',
  '45': 'avs_mismatch',
  '44': 'cvv_mismatch',
  '65': 'cvv_mismatch',
};

// Request-level message codes (messages.message[].code) when no transaction was attempted.
const MESSAGE_CODES: Record<string, AuthNetErrorKind> = {
  E00007: 'auth_failed',
  E00040: 'not_found',
  E00114: 'invalid_payment',
};

/**
 * Classifies a createTransaction answer: the transaction response when approved, else a typed
 * error. responseCode 1 approved, 2 declined, 3 error, 4 held for review; the reason code refines
 * declines and errors (expired card, duplicate within the window, CVV or AVS mismatch).
 */
export function classifyTransaction(messages: AnetMessages | undefined, tx: TransactionResponse | undefined) {
  if (tx?.responseCode === '1' && messages?.resultCode === 'Ok') return tx;
  if (!tx?.responseCode) throw requestError(messages);
  const reason = tx.errors?.[0]?.errorCode ?? tx.messages?.[0]?.code;
  const transId = tx.transId && tx.transId !== '0' ? tx.transId : undefined;
  if (tx.responseCode === '4') throw new AuthNetError('held', { code: reason, transId });
  const specific = reason ? REASONS[reason] : undefined;
  if (specific) throw new AuthNetError(specific, { code: reason, transId });
  if (tx.responseCode === '2') throw new AuthNetError('declined', { code: reason, transId });
  throw new AuthNetError('error', { code: reason ?? messages?.message?.[0]?.code, transId });
}

/** A request-level failure (resultCode Error) as a typed error. */
export function requestError(messages: AnetMessages | undefined): AuthNetError {
  const code = messages?.message?.[0]?.code;
  return new AuthNetError((code && MESSAGE_CODES[code]) || 'error', { code });
}

/** Throws unless the request succeeded (for calls without a transaction response). */
export function assertOk(messages: AnetMessages | undefined): void {
  if (messages?.resultCode !== 'Ok') throw requestError(messages);
}
