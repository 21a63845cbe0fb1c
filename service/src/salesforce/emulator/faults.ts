// Failures a test (or the sandbox) asks for: the next N API calls, or every call until cleared,
// fail the way a real org fails under load, during maintenance or when a session dies.
import { SalesforceError } from './errors.ts';

export type FaultKind =
  /** 503 with Salesforce's maintenance-style body. */
  | 'unavailable'
  /** The connection is dropped without a response. */
  | 'connection-reset'
  /** The call is answered normally after `delayMs`. */
  | 'slow'
  /** 403 REQUEST_LIMIT_EXCEEDED, as when the org's daily API allowance is spent. */
  | 'request-limit'
  /** 401 INVALID_SESSION_ID: clients holding a refresh token refresh and retry. */
  | 'expired-session'
  /** A write fails with UNABLE_TO_LOCK_ROW (another transaction holds the record). */
  | 'unable-to-lock-row'
  /** A write is rejected by a validation rule: FIELD_CUSTOM_VALIDATION_EXCEPTION. */
  | 'validation-rule';

export interface FaultSpec {
  kind: FaultKind;
  /** How many calls fail; Infinity until `clearFaults()`. Default 1. */
  times?: number;
  /** For `slow`. */
  delayMs?: number;
  /** For `expired-session`: only calls made with this access token fail. */
  accessToken?: string;
  /** For `validation-rule`: the rule's error message. */
  message?: string;
  /** For `validation-rule`: the field the message is shown on. */
  field?: string;
}

const WRITE_FAULTS = new Set<FaultKind>(['unable-to-lock-row', 'validation-rule']);

interface PendingFault extends FaultSpec {
  remaining: number;
}

export class FaultPlan {
  #pending: PendingFault[] = [];

  add(spec: FaultSpec): void {
    this.#pending.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.#pending = [];
  }

  /** The request-level fault for this call, if any is due (consumes one use). */
  takeRequestFault(accessToken: string | undefined): PendingFault | undefined {
    return this.#take(
      (fault) =>
        !WRITE_FAULTS.has(fault.kind) && (fault.accessToken === undefined || fault.accessToken === accessToken),
    );
  }

  /** Throws the write fault due for this record write, if any (consumes one use). */
  checkWrite(recordId: string | undefined): void {
    const fault = this.#take((candidate) => WRITE_FAULTS.has(candidate.kind));
    if (!fault) return;
    if (fault.kind === 'unable-to-lock-row') {
      throw new SalesforceError(
        400,
        'UNABLE_TO_LOCK_ROW',
        `unable to obtain exclusive access to this record or 1 records: ${recordId ?? ''}`.trim(),
      );
    }
    throw new SalesforceError(
      400,
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      fault.message ?? 'The record failed a validation rule.',
      fault.field ? [fault.field] : [],
    );
  }

  #take(matches: (fault: PendingFault) => boolean): PendingFault | undefined {
    const fault = this.#pending.find((candidate) => candidate.remaining > 0 && matches(candidate));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#pending = this.#pending.filter((candidate) => candidate !== fault);
    return fault;
  }
}

/** The error a request-level fault answers with; undefined for the kinds that are not an error body. */
export function requestFaultError(fault: FaultSpec): SalesforceError | undefined {
  switch (fault.kind) {
    case 'unavailable':
      return new SalesforceError(503, 'SERVER_UNAVAILABLE', 'Server is unavailable. Please try again later.');
    case 'request-limit':
      return new SalesforceError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    case 'expired-session':
      return new SalesforceError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    default:
      return undefined;
  }
}
