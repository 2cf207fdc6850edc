import { redactor } from '../../core/redact.js';
import type { HttpTransportError } from './http-client.js';

/**
 * Category of a response status. `success` is 2xx. `retryable` is 408, 429 and 5xx, where the
 * server did not act on the request or may succeed later. `permanent` is everything else, such
 * as 400, 401, 404, 422, and 3xx because redirects are not followed.
 */
export type StatusClass = 'success' | 'retryable' | 'permanent';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return 'retryable';
  return 'permanent';
}

/**
 * Category of a request without a response. `not_sent`: the request never fully left this
 * process (connection refused, host not found, timed out while connecting), so sending it again
 * cannot duplicate it. `unknown`: it was sent and the connection then failed or timed out, so the
 * server may have acted on it.
 */
export type TransportErrorClass = 'not_sent' | 'unknown';

export function classifyTransportError(error: HttpTransportError): TransportErrorClass {
  return error.sent ? 'unknown' : 'not_sent';
}

const EXCERPT_LENGTH = 200;

/**
 * Returns the start of a response body for an error message: passed through the process-wide
 * redactor (so a server that echoes a credential back does not put it in logs or run history),
 * whitespace collapsed and cut to 200 characters. Redaction comes first so that the cut cannot
 * split a secret and leave its first half readable.
 */
export function bodyExcerpt(body: string): string {
  const flat = redactor.redact(body).replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}...` : flat;
}

/** Returns "HTTP 503" or "HTTP 503: <excerpt>" when the body is not empty. */
export function describeResponse(status: number, body: string): string {
  const excerpt = bodyExcerpt(body);
  return excerpt ? `HTTP ${status}: ${excerpt}` : `HTTP ${status}`;
}
