import { createRequire } from 'node:module';

/**
 * Authorize.Net's request contracts from the `authorizenet` package. Only the contracts are used:
 * they emit JSON with the fields in the order the XSD requires (the API rejects any other order).
 * Its controllers are not used: they swallow network errors, pin a vulnerable axios and have no
 * timeout; the client sends requests itself.
 *
 * Every contract constructor and getJSON() registers a new winston logger under a random name in
 * winston's global container and never removes it, so each request would leak a handful of
 * loggers. `contract` and `buildRequest` close the loggers they caused to be created.
 */

/** A contract object: setters by field name, as the package generates them. */
export type Contract = Record<string, (value: unknown) => void>;
type ContractClass = new () => Contract;
interface RequestContract extends Contract {
  getJSON: () => Record<string, unknown>;
}

interface AuthorizeNetPackage {
  APIContracts: Record<string, ContractClass | Record<string, string>>;
}
interface WinstonContainer {
  loggers: Map<string, unknown>;
  close: (id: string) => void;
}

const require = createRequire(import.meta.url);
const packageEntry = require.resolve('authorizenet');
const { APIContracts } = require(packageEntry) as AuthorizeNetPackage;
// The winston the package itself loads (its own copy), whose container collects the loggers.
const winston = require(createRequire(packageEntry).resolve('winston')) as { loggers: WinstonContainer };

/** A new, empty contract object, e.g. `contract('TransactionRequestType')`. */
export function contract(name: string): Contract {
  const Class = APIContracts[name];
  if (typeof Class !== 'function') throw new Error(`authorizenet has no contract ${name}`);
  return withoutNewLoggers(() => new Class());
}

/**
 * Runs `build` (which sets up the request contract and returns it) and returns the
 * request as the JSON Authorize.Net expects, `{ <rootElement>: {...} }`, with unset fields removed.
 */
export function buildRequest(build: () => Contract): Record<string, unknown> {
  const request = build() as RequestContract;
  return withoutNulls(withoutNewLoggers(() => request.getJSON())) as Record<string, unknown>;
}

function withoutNewLoggers<T>(run: () => T): T {
  const before = new Set(winston.loggers.loggers.keys());
  try {
    return run();
  } finally {
    for (const id of [...winston.loggers.loggers.keys()]) if (!before.has(id)) winston.loggers.close(id);
  }
}

/** How many loggers the package has left in winston's container (for the leak test). */
export function registeredLoggerCount(): number {
  return winston.loggers.loggers.size;
}

// getJSON leaves some unset fields as null (clientId); the API wants them absent.
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null && field !== undefined) out[key] = withoutNulls(field);
  }
  return out;
}
