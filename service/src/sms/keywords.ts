// What a patient's reply asks for. Twilio's reserved keywords come first: Twilio acts on them itself
// (it blocks an opted-out number with error 21610 until START), so we must read them exactly as
// Twilio does — YES opts in (it is not "confirm") and CANCEL opts out (it is not "cancel my
// appointment"), whatever the patient meant.
//
// Twilio itself answers opt-out, opt-in and help keywords (its default replies, or a Messaging
// Service's Advanced Opt-Out texts). For opt-out and opt-in we only record the state and never
// reply: a second answer would confuse the patient, and after STOP Twilio refuses it anyway. HELP
// is the exception: one sender serves every clinic, so Twilio's default help text cannot say which
// clinic wrote or how to reach it; we send the clinic's own, unless Twilio tells us (OptOutType) that
// an Advanced Opt-Out help text, configured for this service, has already answered.
//
// Twilio matches a keyword only when it is the whole message ("STOP PLEASE" is no opt-out). We are
// a little more lenient about case, spacing, punctuation, emoji and full-width letters ("Stop!",
// "ｓｔｏｐ", "STOP 🙏"): recording an opt-out Twilio did not is the safe mistake, and an opt-in Twilio
// did not record only makes a later send fail with 21610, which the dispatcher treats as opted out.

export type ReplyIntent = 'opt_out' | 'opt_in' | 'help' | 'confirm' | 'reschedule' | 'other';

/** Twilio's default opt-out keywords (OPTOUT and REVOKE were added for the 2025 FCC consent rules). */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'];
/** Twilio's default opt-in keywords. */
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'];
/** Twilio's default help keywords. */
export const HELP_KEYWORDS = ['HELP', 'INFO'];
/** Ours: asked for in the reminder text ("Reply C to confirm, R to reschedule"). */
export const CONFIRM_KEYWORDS = ['C', 'CONFIRM'];
export const RESCHEDULE_KEYWORDS = ['R', 'RESCHEDULE'];

const INTENT_BY_KEYWORD = new Map<string, ReplyIntent>([
  ...OPT_OUT_KEYWORDS.map((word) => [word, 'opt_out'] as const),
  ...OPT_IN_KEYWORDS.map((word) => [word, 'opt_in'] as const),
  ...HELP_KEYWORDS.map((word) => [word, 'help'] as const),
  ...CONFIRM_KEYWORDS.map((word) => [word, 'confirm'] as const),
  ...RESCHEDULE_KEYWORDS.map((word) => [word, 'reschedule'] as const),
]);

/** Twilio's OptOutType webhook parameter (sent with Advanced Opt-Out), which names its own decision. */
const INTENT_BY_OPT_OUT_TYPE = new Map<string, ReplyIntent>([
  ['STOP', 'opt_out'],
  ['START', 'opt_in'],
  ['HELP', 'help'],
]);

/**
 * The reply reduced to the word it could be: compatibility forms folded (full-width "ＳＴＯＰ" →
 * "STOP"), everything that is not a letter or digit at either end dropped (punctuation, emoji,
 * their joiners and variation selectors, spaces), and upper-cased without a locale (so a Turkish
 * phone's "stop" is still STOP).
 */
export function normaliseReply(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .toUpperCase();
}

/**
 * What a reply asks for. `optOutType` is Twilio's own classification when the Messaging Service
 * uses Advanced Opt-Out (it knows the custom and other-language keywords configured there): it wins.
 */
export function classifyReply(body: string, optOutType?: string): { intent: ReplyIntent; answeredByTwilio: boolean } {
  const twilios = optOutType ? INTENT_BY_OPT_OUT_TYPE.get(optOutType.trim().toUpperCase()) : undefined;
  if (twilios) return { intent: twilios, answeredByTwilio: true };
  const intent = INTENT_BY_KEYWORD.get(normaliseReply(body)) ?? 'other';
  // Twilio answers its reserved words itself, with or without a Messaging Service.
  return { intent, answeredByTwilio: intent === 'opt_out' || intent === 'opt_in' };
}
