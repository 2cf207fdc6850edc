/**
 * Reading Google API errors: `{ error: { code, message, status, details } }`, where `details`
 * may hold a google.rpc.BadRequest with `fieldViolations` and a google.rpc.RetryInfo with
 * `retryDelay`. The Data Manager API rejects a whole request when one member is invalid and
 * names the member's index in the violation's field path, for example
 * `audience_members.audience_members[0].user_data.user_identifiers`
 * (https://developers.google.com/data-manager/api/get-started/quickstart/send-audience-members).
 */
import type { HttpResponse } from '../http/http-client.js';
import { parseJsonObject, platformText } from '../identifiers/audience-write.js';

export interface GoogleError {
  status: string | undefined;
  message: string;
  violations: FieldViolation[];
  retryDelayMs: number | undefined;
}

export interface FieldViolation {
  field: string;
  description: string;
  reason: string | undefined;
}

export function readGoogleError(body: string): GoogleError | undefined {
  const error = parseJsonObject(body)?.error;
  if (typeof error !== 'object' || error === null) return undefined;

  const fields = error as Record<string, unknown>;
  const details = Array.isArray(fields.details) ? fields.details : [];
  return {
    status: typeof fields.status === 'string' ? fields.status : undefined,
    message: typeof fields.message === 'string' ? platformText(fields.message) : 'no message',
    violations: details.flatMap(readViolations),
    retryDelayMs: details.map(readRetryDelay).find((delay) => delay !== undefined),
  };
}

function readViolations(detail: unknown): FieldViolation[] {
  const violations = (detail as Record<string, unknown> | null)?.fieldViolations;
  if (!Array.isArray(violations)) return [];
  return violations.map((violation: Record<string, unknown>) => ({
    field: typeof violation.field === 'string' ? violation.field : '',
    description:
      typeof violation.description === 'string' ? platformText(violation.description) : '',
    reason: typeof violation.reason === 'string' ? violation.reason : undefined,
  }));
}

/** Reads RetryInfo.retryDelay, a protobuf Duration in JSON: seconds with an "s", like "2.5s". */
function readRetryDelay(detail: unknown): number | undefined {
  const delay = (detail as Record<string, unknown> | null)?.retryDelay;
  if (typeof delay !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(delay);
  return match ? Math.round(Number(match[1]) * 1_000) : undefined;
}

const MEMBER_PATH = /audience_?members(?:\.audience_?members)?\[(\d+)\]/i;

/** Returns the member index a violation's field path names, or undefined for another field. */
export function violatedMemberIndex(violation: FieldViolation): number | undefined {
  const match = MEMBER_PATH.exec(violation.field);
  return match ? Number(match[1]) : undefined;
}

/** Returns "HTTP 400 INVALID_ARGUMENT: message" for messages and reasons. */
export function describeGoogleError(httpStatus: number, error: GoogleError): string {
  const status = error.status ? ` ${error.status}` : '';
  return `HTTP ${httpStatus}${status}: ${error.message}`;
}

export function describeViolation(violation: FieldViolation): string {
  const reason = violation.reason ? `${violation.reason}: ` : '';
  const text = violation.description || 'no description';
  return violation.field ? `${violation.field}: ${reason}${text}` : `${reason}${text}`;
}

/**
 * Reads the wait in RetryInfo of a 429 RESOURCE_EXHAUSTED for sendWithRetry. Without one, the
 * 429 gets the usual Retry-After and backoff handling.
 */
export function googleThrottleSignal(
  response: HttpResponse,
): { retryAfterMs?: number } | undefined {
  if (response.status !== 429) return undefined;
  const retryDelayMs = readGoogleError(response.body)?.retryDelayMs;
  return retryDelayMs === undefined ? undefined : { retryAfterMs: retryDelayMs };
}
