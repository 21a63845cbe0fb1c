/**
 * Why a payment call did not succeed, in words safe to show a patient or an admin (no codes,
 * no card data). `code` keeps Authorize.Net's own code for logs and support.
 */
export type AuthNetErrorKind =
  | 'declined'
  | 'expired_card'
  | 'cvv_mismatch'
  | 'avs_mismatch'
  | 'duplicate'
  | 'held'
  | 'invalid_payment'
  | 'not_found'
  | 'auth_failed'
  | 'error'
  /** The request may have been applied (timeout, dropped connection): reconcile by invoice number. */
  | 'ambiguous'
  /** A read failed to reach Authorize.Net; nothing was changed. */
  | 'unavailable';

const SAFE_MESSAGES: Record<AuthNetErrorKind, string> = {
  declined: 'The card was declined. Please use another card or contact your bank.',
  expired_card: 'The card has expired. Please use another card.',
  cvv_mismatch: 'The security code does not match the card. Please check it and try again.',
  avs_mismatch: 'The billing ZIP or postal code does not match the card. Please check it and try again.',
  duplicate: 'This payment was already submitted a moment ago. Please wait before trying again.',
  held: 'The payment is under review by the payment processor. The clinic will confirm it.',
  invalid_payment: 'The card details have expired or were already used. Please enter them again.',
  not_found: 'The payment could not be found.',
  auth_failed: 'Payments are not set up correctly: the Authorize.Net credentials were refused.',
  error: 'The payment could not be processed. Please try again later.',
  ambiguous: 'We could not confirm whether the payment went through. Please do not pay again yet.',
  unavailable: 'The payment processor could not be reached. Please try again later.',
};

export class AuthNetError extends Error {
  readonly kind: AuthNetErrorKind;
  /** Authorize.Net's code: a response reason code ("2", "11", "65") or a message code ("E00027"). */
  readonly code: string | undefined;
  /** Set when Authorize.Net created a transaction anyway (held for review, some declines). */
  readonly transId: string | undefined;

  constructor(kind: AuthNetErrorKind, options: { code?: string; transId?: string; cause?: unknown } = {}) {
    super(SAFE_MESSAGES[kind], { cause: options.cause });
    this.name = 'AuthNetError';
    this.kind = kind;
    this.code = options.code;
    this.transId = options.transId;
  }

  /** The message to show a patient or an admin. */
  get safeMessage(): string {
    return SAFE_MESSAGES[this.kind];
  }
}
