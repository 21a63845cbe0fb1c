import pino, { type DestinationStream, type LoggerOptions } from 'pino';

const REDACTED = '[redacted]';

// Keys whose values are secret or personal wherever they appear in a logged object.
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-slotwise-api-key',
  'x-twilio-signature',
  'x-anet-signature',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'apiKey',
  'api_key',
  'phone',
  'to',
  'from',
  'To',
  'From',
  'email',
  'body',
  'Body',
  'text',
  'cardNumber',
  'dataValue',
];

const redactPaths = SECRET_KEYS.flatMap((key) => {
  const path = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = path.startsWith('[') ? '' : '.';
  return [path, `*${join}${path}`, `req.headers${join}${path}`, `res.headers${join}${path}`];
});

/**
 * Patterns of values that must not reach a log line whatever key they sit under, applied to every
 * finished line as the last line of defence. Over-redaction is the accepted price.
 */
const SCRUBBERS: ReadonlyArray<[RegExp, string]> = [
  // Bearer/Basic credentials and anything that looks like key=secret in a URL or message.
  [/\b(Bearer|Basic)\s+[\w\-.~+/=]+/gi, `$1 ${REDACTED}`],
  [/\b((?:api[_-]?key|token|secret|password|signature|sig|code)=)[^&\s"]+/gi, `$1${REDACTED}`],
  // E-mail addresses, also URL-encoded.
  [/[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+/gi, REDACTED],
  // Phone numbers: E.164 (also URL-encoded), first, so the + goes with them.
  [/(?:\+|%2B)\d[\d\s().-]{6,}\d/gi, REDACTED],
  // Card-like runs: 12 to 19 digits, optionally grouped by spaces or dashes.
  [/\b\d(?:[ -]?\d){11,18}\b/g, REDACTED],
  // National phone formats like (555) 123-4567 and bare 10-11 digit numbers.
  [/(?:\(\d{2,4}\)\s?|\b\d{2,4}[\s.-])\d{3}[\s.-]\d{3,4}\b/g, REDACTED],
  [/\b\d{10,11}\b/g, REDACTED],
];

export function scrub(line: string): string {
  return SCRUBBERS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), line);
}

/** A URL as logged: the path and the names, not the values, of its query parameters. */
export function loggableUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  const params = query ? [...new URLSearchParams(query).keys()].map((key) => `${key}=${REDACTED}`).join('&') : '';
  return params ? `${path}?${params}` : path!;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: REDACTED },
    // ISO time, not epoch milliseconds: a 13-digit number would look like a card to the scrubber.
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    hooks: { streamWrite: scrub },
  };
}

export function createLogger(level: string, stream?: DestinationStream) {
  return stream ? pino(loggerOptions(level), stream) : pino(loggerOptions(level));
}
