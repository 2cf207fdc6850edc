import { redactor } from '../../core/redact.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';

const MAX_REASON_LENGTH = 500;

/**
 * Reads a 2xx response to a webhook batch. An empty body, a body that is not JSON, or JSON
 * without `results` accepts every row. `{ results: [{ key, status, reason? }] }` with status
 * `accepted`, `rejected` or `retry` gives each row its outcome; a row missing from the list is
 * returned as retry, because a 2xx alone does not prove that the receiver stored it.
 */
export function outcomesFromSuccess(records: ChangeRecord[], body: string): RowOutcome[] {
  const parsed = parseJson(body);
  if (!isObject(parsed) || !('results' in parsed)) {
    return records.map(() => ({ status: 'accepted' }));
  }

  const results = parsed.results;
  if (!Array.isArray(results)) {
    return retryAll(records, 'receiver returned a 2xx whose "results" is not a list');
  }

  const byKey = new Map<string, RowOutcome>();
  for (const result of results) {
    if (isObject(result) && typeof result.key === 'string') {
      byKey.set(result.key, outcomeFromResult(result));
    }
  }
  return records.map(
    (record) =>
      byKey.get(record.key) ?? { status: 'retry', reason: 'receiver reported no outcome' },
  );
}

function outcomeFromResult(result: Record<string, unknown>): RowOutcome {
  const reason = typeof result.reason === 'string' ? cleanReason(result.reason) : undefined;
  switch (result.status) {
    case 'accepted':
      return { status: 'accepted' };
    case 'rejected':
      return { status: 'rejected', reason: reason ?? 'rejected by the receiver without a reason' };
    case 'retry':
      return { status: 'retry', reason: reason ?? 'receiver asked to retry the row later' };
    default:
      return {
        status: 'retry',
        reason: `receiver returned the unknown row status ${JSON.stringify(result.status)}`,
      };
  }
}

export function rejectAll(records: ChangeRecord[], reason: string): RowOutcome[] {
  return records.map(() => ({ status: 'rejected', reason }));
}

/**
 * Returns `retry` for every row. `outcomeUnknown` marks a batch that may have reached the
 * receiver, which the engine must not send again unless the destination is idempotent.
 */
export function retryAll(
  records: ChangeRecord[],
  reason: string,
  details: { retryAfterMs?: number; outcomeUnknown?: boolean } = {},
): RowOutcome[] {
  const outcome: RowOutcome = { status: 'retry', reason };
  if (details.retryAfterMs !== undefined) outcome.retryAfterMs = details.retryAfterMs;
  if (details.outcomeUnknown) outcome.outcomeUnknown = true;
  return records.map(() => ({ ...outcome }));
}

/** Receivers may echo row values or credentials in a reason; it is redacted and shortened. */
function cleanReason(reason: string): string {
  const redacted = redactor.redact(reason);
  if (redacted.length <= MAX_REASON_LENGTH) return redacted;
  return `${redacted.slice(0, MAX_REASON_LENGTH)}...`;
}

function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
