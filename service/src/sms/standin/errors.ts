/** Twilio error codes the stand-in answers with, and the messages Twilio gives for them. */
export const TWILIO_ERRORS = {
  20003: 'Authenticate',
  20404: 'The requested resource was not found',
  20429: 'Too Many Requests',
  20500: 'Internal Server Error',
  21211: "Invalid 'To' Phone Number",
  21602: 'Message body is required.',
  21603: "A 'From' phone number is required.",
  21604: "A 'To' phone number is required.",
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
  21617: 'The concatenated message body exceeds the 1600 character limit.',
  21624: 'Invalid validity period value',
  30003: 'Unreachable destination handset',
  30006: 'Landline or unreachable carrier',
  30036: 'Validity Period Expired',
} as const;

export type TwilioErrorCode = keyof typeof TWILIO_ERRORS;

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** Twilio's JSON error body. */
export function errorBody(status: number, code: TwilioErrorCode): TwilioErrorBody {
  return { code, message: TWILIO_ERRORS[code], more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}
