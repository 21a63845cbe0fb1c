import { resolve } from 'node:path';
import { parseMasterKeys, type MasterKey } from './crypto/key-provider.ts';
import { DEPOSIT_CURRENCIES } from './deposits/policy.ts';
import { DEFAULT_CREDIT_PACKS, DEFAULT_LOW_BALANCE, parseCreditPacks, type CreditPack } from './credits/packs.ts';

/** Everything the service reads from its environment, validated once at start. */
export interface Config {
  /** True when no real Salesforce, Twilio or Authorize.Net credentials are configured. */
  sandbox: boolean;
  host: string;
  port: number;
  /** A plain-HTTP port that only redirects to HTTPS. */
  httpRedirectPort: number | undefined;
  /** Sandbox mode: the local org emulator's port (SANDBOX_ORG_PORT, default 8444; 0 = any free port). */
  sandboxOrgPort: number;
  /** The https origin people and webhooks reach the service at. */
  publicUrl: URL;
  tls: { certFile: string; keyFile: string } | undefined;
  /** TLS ends at a proxy in front; only requests it forwarded as https are served. */
  trustProxy: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  /** ENCRYPTION_KEYS, newest first; unset in sandbox mode, where a key is kept in the data folder. */
  masterKeys: MasterKey[] | undefined;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  shutdownTimeoutMs: number;
  /** The connected app (SALESFORCE_CLIENT_ID/SECRET); unset in sandbox mode, where the local org emulator stands in. */
  salesforce: { clientId: string; clientSecret: string } | undefined;
  /** The Salesforce REST API version every call is pinned to (SALESFORCE_API_VERSION). */
  salesforceApiVersion: string;
  /** Bearer token `GET /metrics` requires (METRICS_TOKEN); unset: 404, except in sandbox mode where it is open. */
  metricsToken: string | undefined;
  /** Delivered outbox writes older than this many days are deleted (OUTBOX_RETENTION_DAYS). */
  outboxRetentionDays: number;
  /** SMS through Twilio (TWILIO_*); unset: no reminders are sent (sandbox mode starts a stand-in). */
  twilio: TwilioConfig | undefined;
  /** Messages per second per sender, shared by every instance (SMS_RATE_PER_SECOND). */
  smsRatePerSecond: number;
  /** Each org's SMS credits until payments bring a balance (SMS_CREDIT_ALLOWANCE, in segments). */
  smsCreditAllowance: number;
  /** The credit packs on sale and their prices (CREDIT_PACKS, credits:price-minor:currency,…). */
  creditPacks: CreditPack[];
  /** Available credits at or below which the admin console warns (CREDIT_LOW_BALANCE). */
  creditLowBalance: number;
  /** How long a freed slot is held for the waitlist patient it is offered to (WAITLIST_OFFER_MINUTES). */
  waitlistOfferMinutes: number;
  /** How long a slot is held while the patient pays its deposit (DEPOSIT_HOLD_MINUTES). */
  depositHoldMinutes: number;
  /** The currency of appointment types' Deposit__c amounts, as charged through Authorize.Net (DEPOSIT_CURRENCY). */
  depositCurrency: string;
  /** Card payments through Authorize.Net (AUTHNET_*); unset: no purchases or deposits (sandbox mode starts a stand-in). */
  authnet: AuthNetConfig | undefined;
}

export interface AuthNetConfig {
  apiLoginId: string;
  /** Secret: signs every API request. */
  transactionKey: string;
  /** Public: the AcceptUI button presents it with the login id. */
  clientKey: string;
  /** Secret: webhooks are signed with it (HMAC-SHA512). */
  signatureKey: string;
  /** The JSON API endpoint (…/xml/v1/request.api). */
  apiUrl: string;
  /** The AcceptUI.js script the billing and deposit pages load; its origin is the only one their CSP allows. */
  acceptUiUrl: string;
}

/** Authorize.Net's own hosts, by AUTHNET_ENVIRONMENT. */
export const AUTHNET_ENVIRONMENTS = {
  sandbox: {
    apiUrl: 'https://apitest.authorize.net/xml/v1/request.api',
    acceptUiUrl: 'https://jstest.authorize.net/v3/AcceptUI.js',
  },
  production: {
    apiUrl: 'https://api.authorize.net/xml/v1/request.api',
    acceptUiUrl: 'https://js.authorize.net/v3/AcceptUI.js',
  },
} as const;

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** Exactly one of the two senders. */
  messagingServiceSid: string | undefined;
  fromNumber: string | undefined;
  /** Where Twilio's REST API is reached (TWILIO_API_BASE_URL); unset: Twilio itself. */
  apiBaseUrl: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** The credentials whose presence switches sandbox mode off. */
export const REAL_CREDENTIAL_VARIABLES = [
  'SALESFORCE_CLIENT_ID',
  'TWILIO_ACCOUNT_SID',
  'AUTHNET_API_LOGIN_ID',
] as const;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the configuration, naming every bad or missing variable at once. */
export function loadConfig(env: Env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const sandbox = REAL_CREDENTIAL_VARIABLES.every((name) => !env[name]);
  const port = read.port('PORT', 8443);
  const httpRedirectPort = read.optionalPort('HTTP_REDIRECT_PORT');
  const trustProxy = read.boolean('TRUST_PROXY', false);
  const certFile = read.optionalText('TLS_CERT_FILE');
  const keyFile = read.optionalText('TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  } else if (!certFile && !trustProxy && !sandbox) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE are required (or TRUST_PROXY=true behind a TLS-terminating proxy)');
  }
  if (httpRedirectPort !== undefined && httpRedirectPort === port) {
    problems.push('HTTP_REDIRECT_PORT must differ from PORT');
  }
  const sandboxOrgPort = read.integer('SANDBOX_ORG_PORT', 8444, 0, 65_535);
  if (sandbox && sandboxOrgPort !== 0 && (sandboxOrgPort === port || sandboxOrgPort === httpRedirectPort)) {
    problems.push('SANDBOX_ORG_PORT must differ from PORT and HTTP_REDIRECT_PORT');
  }

  const publicUrl = read.httpsUrl('PUBLIC_URL', sandbox ? `https://localhost:${port}` : undefined);
  const databaseUrl = read.optionalPostgresUrl('DATABASE_URL');
  const masterKeys = read.masterKeys('ENCRYPTION_KEYS');
  if (!masterKeys && !sandbox && !read.optionalText('ENCRYPTION_KEYS')) {
    problems.push('ENCRYPTION_KEYS is required outside sandbox mode');
  }

  const salesforceClientId = read.optionalText('SALESFORCE_CLIENT_ID');
  const salesforceClientSecret = read.optionalText('SALESFORCE_CLIENT_SECRET');
  if (Boolean(salesforceClientId) !== Boolean(salesforceClientSecret)) {
    problems.push('SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET must be set together');
  }
  const salesforceApiVersion = read.text('SALESFORCE_API_VERSION', '65.0');
  if (!/^\d{2,3}\.0$/.test(salesforceApiVersion)) {
    problems.push(`SALESFORCE_API_VERSION must look like 65.0 (got "${salesforceApiVersion}")`);
  }

  const metricsToken = read.optionalText('METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,}$/.test(metricsToken)) {
    // Say what is wrong without echoing the value: it is a secret.
    problems.push('METRICS_TOKEN must be at least 32 visible ASCII characters without spaces');
  }

  const twilio = readTwilio(read, problems);
  const authnet = readAuthNet(read, problems);
  const creditPacks = parseCreditPacks(read.text('CREDIT_PACKS', DEFAULT_CREDIT_PACKS));
  if ('problem' in creditPacks) problems.push(`CREDIT_PACKS: ${creditPacks.problem}`);

  const config: Config = {
    sandbox,
    host: read.text('HOST', '127.0.0.1'),
    port,
    httpRedirectPort,
    sandboxOrgPort,
    publicUrl: publicUrl ?? new URL('https://localhost'),
    tls: certFile && keyFile ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) } : undefined,
    trustProxy,
    dataDir: resolve(cwd, read.text('DATA_DIR', './data')),
    databaseUrl,
    masterKeys,
    logLevel: read.choice('LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 102_400, 1_024, 10_485_760),
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 1_000, 300_000),
    salesforce:
      salesforceClientId && salesforceClientSecret
        ? { clientId: salesforceClientId, clientSecret: salesforceClientSecret }
        : undefined,
    salesforceApiVersion,
    metricsToken,
    outboxRetentionDays: read.integer('OUTBOX_RETENTION_DAYS', 7, 1, 365),
    twilio,
    smsRatePerSecond: read.integer('SMS_RATE_PER_SECOND', 10, 1, 1_000),
    smsCreditAllowance: read.integer('SMS_CREDIT_ALLOWANCE', 500, 0, 100_000_000),
    creditPacks: 'packs' in creditPacks ? creditPacks.packs : [],
    creditLowBalance: read.integer('CREDIT_LOW_BALANCE', DEFAULT_LOW_BALANCE, 0, 100_000_000),
    waitlistOfferMinutes: read.integer('WAITLIST_OFFER_MINUTES', 15, 1, 1_440),
    depositHoldMinutes: read.integer('DEPOSIT_HOLD_MINUTES', 10, 1, 60),
    depositCurrency: read.choice('DEPOSIT_CURRENCY', DEPOSIT_CURRENCIES, 'USD'),
    authnet,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** TWILIO_*: all or nothing, like SALESFORCE_*; values are never echoed (the token is a secret). */
function readTwilio(read: Reader, problems: string[]): TwilioConfig | undefined {
  const accountSid = read.optionalText('TWILIO_ACCOUNT_SID');
  const authToken = read.optionalText('TWILIO_AUTH_TOKEN');
  const messagingServiceSid = read.optionalText('TWILIO_MESSAGING_SERVICE_SID');
  const fromNumber = read.optionalText('TWILIO_FROM_NUMBER');
  const apiBaseUrl = read.optionalText('TWILIO_API_BASE_URL');
  if (!accountSid && !authToken && !messagingServiceSid && !fromNumber && !apiBaseUrl) return undefined;
  const before = problems.length;
  if (!accountSid || !authToken) problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together');
  else if (!/^AC[0-9a-f]{32}$/.test(accountSid))
    problems.push('TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits');
  if (Boolean(messagingServiceSid) === Boolean(fromNumber)) {
    problems.push('set exactly one of TWILIO_MESSAGING_SERVICE_SID and TWILIO_FROM_NUMBER');
  } else if (messagingServiceSid && !/^MG[0-9a-f]{32}$/.test(messagingServiceSid)) {
    problems.push('TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hex digits');
  } else if (fromNumber && !/^\+[1-9]\d{6,14}$/.test(fromNumber)) {
    problems.push('TWILIO_FROM_NUMBER must be an E.164 number such as +15005550006');
  }
  if (apiBaseUrl && !/^https?:\/\/[^/?#]+\/?$/.test(apiBaseUrl)) {
    problems.push('TWILIO_API_BASE_URL must be an origin such as https://api.twilio.com');
  }
  if (problems.length > before || !accountSid || !authToken) return undefined;
  return { accountSid, authToken, messagingServiceSid, fromNumber, apiBaseUrl };
}

/**
 * AUTHNET_*: all or nothing, like TWILIO_*; values are never echoed (the transaction and
 * signature keys are secrets). Hosts come from AUTHNET_ENVIRONMENT, or from AUTHNET_API_URL and
 * AUTHNET_ACCEPT_UI_URL together (a stand-in; plain http only on loopback).
 */
function readAuthNet(read: Reader, problems: string[]): AuthNetConfig | undefined {
  const apiLoginId = read.optionalText('AUTHNET_API_LOGIN_ID');
  const transactionKey = read.optionalText('AUTHNET_TRANSACTION_KEY');
  const clientKey = read.optionalText('AUTHNET_CLIENT_KEY');
  const signatureKey = read.optionalText('AUTHNET_SIGNATURE_KEY');
  const environment = read.optionalText('AUTHNET_ENVIRONMENT');
  const apiUrl = read.optionalText('AUTHNET_API_URL');
  const acceptUiUrl = read.optionalText('AUTHNET_ACCEPT_UI_URL');
  if (![apiLoginId, transactionKey, clientKey, signatureKey, environment, apiUrl, acceptUiUrl].some(Boolean)) {
    return undefined;
  }
  const before = problems.length;
  if (!apiLoginId || !transactionKey || !clientKey || !signatureKey) {
    problems.push(
      'AUTHNET_API_LOGIN_ID, AUTHNET_TRANSACTION_KEY, AUTHNET_CLIENT_KEY and AUTHNET_SIGNATURE_KEY must be set together',
    );
  }
  if (apiLoginId && !/^[\x21-\x7e]{1,25}$/.test(apiLoginId)) {
    problems.push('AUTHNET_API_LOGIN_ID must be 1 to 25 visible ASCII characters');
  }
  if (transactionKey && !/^[\x21-\x7e]{16}$/.test(transactionKey)) {
    problems.push('AUTHNET_TRANSACTION_KEY must be 16 visible ASCII characters');
  }
  if (clientKey && !/^[A-Za-z0-9]{16,128}$/.test(clientKey)) {
    problems.push('AUTHNET_CLIENT_KEY must be the public client key: 16 to 128 letters and digits');
  }
  if (signatureKey && !/^[0-9A-Fa-f]{128}$/.test(signatureKey)) {
    problems.push('AUTHNET_SIGNATURE_KEY must be the 128 hex digit Signature Key');
  }
  let hosts: { apiUrl: string; acceptUiUrl: string } | undefined;
  if (apiUrl || acceptUiUrl) {
    if (environment) problems.push('set AUTHNET_ENVIRONMENT or AUTHNET_API_URL with AUTHNET_ACCEPT_UI_URL, not both');
    else if (!apiUrl || !acceptUiUrl) problems.push('AUTHNET_API_URL and AUTHNET_ACCEPT_UI_URL must be set together');
    else if (!isServiceUrl(apiUrl)) problems.push('AUTHNET_API_URL must be an https URL (http only on loopback)');
    else if (!isServiceUrl(acceptUiUrl)) {
      problems.push('AUTHNET_ACCEPT_UI_URL must be an https URL (http only on loopback)');
    } else hosts = { apiUrl, acceptUiUrl };
  } else if (environment === 'sandbox' || environment === 'production') {
    hosts = AUTHNET_ENVIRONMENTS[environment];
  } else {
    problems.push(
      environment
        ? `AUTHNET_ENVIRONMENT must be sandbox or production (got "${environment}")`
        : 'AUTHNET_ENVIRONMENT (sandbox or production) is required with AUTHNET_API_LOGIN_ID',
    );
  }
  if (problems.length > before || !apiLoginId || !transactionKey || !clientKey || !signatureKey || !hosts) {
    return undefined;
  }
  return { apiLoginId, transactionKey, clientKey, signatureKey, ...hosts };
}

function isServiceUrl(raw: string): boolean {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || url.username || url.password || url.hash) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Reads one variable at a time, recording problems instead of throwing so all are reported. */
class Reader {
  readonly #env: Env;
  readonly #problems: string[];

  constructor(env: Env, problems: string[]) {
    this.#env = env;
    this.#problems = problems;
  }

  optionalText(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value ? value : undefined;
  }

  text(name: string, fallback: string): string {
    return this.optionalText(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalText(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.#problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, 1, 65_535);
  }

  optionalPort(name: string): number | undefined {
    return this.optionalText(name) === undefined ? undefined : this.port(name, 0);
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optionalText(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.#problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.optionalText(name);
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.#problems.push(`${name} must be one of ${choices.join(', ')} (got "${raw}")`);
    return fallback;
  }

  httpsUrl(name: string, fallback: string | undefined): URL | undefined {
    const raw = this.optionalText(name) ?? fallback;
    if (raw === undefined) {
      this.#problems.push(`${name} is required: the https address the service is reached at`);
      return undefined;
    }
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || url.protocol !== 'https:' || url.pathname !== '/' || url.search || url.hash) {
      this.#problems.push(`${name} must be an https origin such as https://book.example.com (got "${raw}")`);
      return undefined;
    }
    return url;
  }

  masterKeys(name: string): MasterKey[] | undefined {
    const raw = this.optionalText(name);
    if (raw === undefined) return undefined;
    try {
      return parseMasterKeys(raw);
    } catch (error) {
      // parseMasterKeys never quotes key material in its messages.
      this.#problems.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  }

  optionalPostgresUrl(name: string): string | undefined {
    const raw = this.optionalText(name);
    if (raw === undefined) return undefined;
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || !['postgres:', 'postgresql:'].includes(url.protocol)) {
      // The value may hold a password: say what is wrong without echoing it.
      this.#problems.push(`${name} must be a postgres:// or postgresql:// connection URL`);
      return undefined;
    }
    return raw;
  }
}
