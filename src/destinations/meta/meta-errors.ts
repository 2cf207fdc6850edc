/**
 * Reading Graph API errors: `{ error: { message, type, code, error_subcode, is_transient,
 * fbtrace_id } }`. Meta reports throttling with error codes, usually on HTTP 400 or 403 rather
 * than 429, so connectors must classify by `code`.
 * Sources: https://developers.facebook.com/docs/graph-api/overview/rate-limiting and
 * https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
 */
import type { HttpResponse } from '../http/http-client.js';
import { parseJsonObject, platformText } from '../identifiers/audience-write.js';

export interface GraphError {
  code: number | undefined;
  subcode: number | undefined;
  message: string;
  isTransient: boolean;
}

/**
 * Throttle codes: 4 (application), 17 (user), 32 (page), 613 (custom rate limit) and
 * 80000-80014 (Business Use Case limits; 80003 is custom audiences).
 */
const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const BUSINESS_USE_CASE_CODES = { min: 80_000, max: 80_014 };

/** 1 (unknown error) and 2 (service temporarily unavailable) are worth retrying. */
const TRANSIENT_CODES = new Set([1, 2]);

/** 190 (invalid or expired token), 102 (session), 10 and 200-299 (permissions). */
const AUTH_CODES = new Set([190, 102, 10]);
const PERMISSION_CODES = { min: 200, max: 299 };

/** 100/33: the audience does not exist or the token cannot see it. */
const AUDIENCE_NOT_FOUND = { code: 100, subcode: 33 };
/** 100/1713230: the audience is flagged (operation_status 471) and rejects edits until resolved. */
const AUDIENCE_FLAGGED = { code: 100, subcode: 1_713_230 };
/** 2650: the audience cannot take this upload, for example because of its data source. */
const AUDIENCE_UPDATE_FAILED = 2650;

export function readGraphError(body: string): GraphError | undefined {
  const error = parseJsonObject(body)?.error;
  if (typeof error !== 'object' || error === null) return undefined;

  const fields = error as Record<string, unknown>;
  return {
    code: typeof fields.code === 'number' ? fields.code : undefined,
    subcode: typeof fields.error_subcode === 'number' ? fields.error_subcode : undefined,
    message: typeof fields.message === 'string' ? platformText(fields.message) : 'no message',
    isTransient: fields.is_transient === true,
  };
}

export function isThrottle(error: GraphError): boolean {
  const code = error.code ?? 0;
  return (
    THROTTLE_CODES.has(code) ||
    (code >= BUSINESS_USE_CASE_CODES.min && code <= BUSINESS_USE_CASE_CODES.max)
  );
}

/**
 * Recognises Meta's throttle codes for sendWithRetry, with the wait from
 * X-Business-Use-Case-Usage when Meta sends one, and transient errors, which get backoff.
 */
export function metaThrottleSignal(response: HttpResponse): { retryAfterMs?: number } | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  const error = readGraphError(response.body);
  if (!error) return undefined;

  if (isThrottle(error)) {
    const retryAfterMs = regainAccessMs(response.headers['x-business-use-case-usage']);
    return retryAfterMs === undefined ? {} : { retryAfterMs };
  }
  if (error.isTransient || TRANSIENT_CODES.has(error.code ?? 0)) return {};
  return undefined;
}

/**
 * Reads the longest `estimated_time_to_regain_access` (minutes) from X-Business-Use-Case-Usage,
 * a JSON object of business IDs to lists of usage entries. Returns milliseconds, or undefined
 * when the header is missing, invalid or gives no wait.
 */
export function regainAccessMs(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  const usage = parseJsonObject(text);
  if (!usage) return undefined;

  let minutes = 0;
  for (const entries of Object.values(usage)) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const wait = (entry as Record<string, unknown> | null)?.estimated_time_to_regain_access;
      if (typeof wait === 'number' && wait > minutes) minutes = wait;
    }
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

export type GraphErrorKind = 'credentials' | 'audience' | 'request';

/**
 * Classifies a Graph error that is not a throttle. `credentials` and `audience` fail every batch
 * the same way until the config or the audience is fixed; `request` may come from the rows.
 */
export function classifyGraphError(status: number, error: GraphError | undefined): GraphErrorKind {
  const code = error?.code;
  if (code === undefined) return status === 401 || status === 403 ? 'credentials' : 'request';
  if (AUTH_CODES.has(code) || (code >= PERMISSION_CODES.min && code <= PERMISSION_CODES.max)) {
    return 'credentials';
  }

  const subcode = error?.subcode;
  const notFound = code === AUDIENCE_NOT_FOUND.code && subcode === AUDIENCE_NOT_FOUND.subcode;
  const flagged = code === AUDIENCE_FLAGGED.code && subcode === AUDIENCE_FLAGGED.subcode;
  if (notFound || flagged || code === AUDIENCE_UPDATE_FAILED) return 'audience';
  return 'request';
}

/** Returns "code 100, subcode 33: message" for messages and reasons. */
export function describeGraphError(error: GraphError): string {
  const codes = [
    error.code === undefined ? undefined : `code ${error.code}`,
    error.subcode === undefined ? undefined : `subcode ${error.subcode}`,
  ].filter((part) => part !== undefined);
  return codes.length > 0 ? `${codes.join(', ')}: ${error.message}` : error.message;
}
