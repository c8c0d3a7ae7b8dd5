/**
 * The one error that carries an HTTP answer: a status, a machine-readable
 * code and a message fit to show. Thrown by the Direct Line server, the
 * handoff service and staff sign-in; their routers turn it into JSON
 * `{ error: { code, message } }` (with `headers`, e.g. Retry-After) and any
 * other error into a 500 without details.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More of the answer, beside code and message (the editor's `problems` of a refused publish). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A request refused for a reason the person may read (the caseworker console's errors). */
export function refused(status: number, message: string): HttpError {
  return new HttpError(status, 'Refused', message);
}
