/**
 * An error to answer with: features throw these, and the error handler turns them into
 * application/problem+json (RFC 9457) with a stable machine-readable `code`.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  constructor(status: number, code: string, title: string, detail?: string) {
    super(title);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
}

export function problemBody(status: number, code: string, title: string, detail?: string): ProblemBody {
  return { type: 'about:blank', title, status, code, ...(detail ? { detail } : {}) };
}
