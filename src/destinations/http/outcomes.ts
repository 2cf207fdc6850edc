import type { RowOutcome } from '../destination.js';

/** Returns the outcome of a row the vendor rejected, which a retry would not change. */
export function rejected(reason: string): RowOutcome {
  return { status: 'rejected', reason };
}

/** Returns the outcome of a row whose request was not delivered or whose job did not finish. */
export function retryLater(reason: string, retryAfterMs?: number): RowOutcome {
  const outcome: RowOutcome = { status: 'retry', reason };
  if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  return outcome;
}

/**
 * Returns the worse of two outcomes of one row that took several requests: rejected over retry
 * over suppressed over accepted, so a row counts as delivered only when every request for it
 * succeeded.
 */
export function worseOutcome(first: RowOutcome | undefined, second: RowOutcome): RowOutcome {
  if (first === undefined) return second;
  const rank = { accepted: 0, suppressed: 1, retry: 2, rejected: 3 } as const;
  return rank[second.status] > rank[first.status] ? second : first;
}
