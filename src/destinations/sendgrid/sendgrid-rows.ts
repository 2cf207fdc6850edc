import type { DestinationContext, RowOutcome } from '../destination.js';
import type { SendgridApi } from './sendgrid-api.js';
import type { SendgridAccount, SendgridSyncOptions } from './sendgrid-config.js';

/** State shared by the upsert and removal steps of one sync. */
export interface SendgridWriteContext {
  api: SendgridApi;
  account: SendgridAccount;
  options: SendgridSyncOptions;
  context: DestinationContext;
}

export function rejected(reason: string): RowOutcome {
  return { status: 'rejected', reason };
}

/** Returns the outcome of a row whose request was not delivered or whose job did not finish. */
export function retryLater(reason: string, retryAfterMs?: number): RowOutcome {
  const outcome: RowOutcome = { status: 'retry', reason };
  if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  return outcome;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * Returns the worse of two outcomes of one row that took several requests: rejected over retry
 * over accepted, so a row counts as delivered only when every request for it succeeded.
 */
export function worseOutcome(first: RowOutcome | undefined, second: RowOutcome): RowOutcome {
  if (first === undefined) return second;
  const rank = { accepted: 0, retry: 1, rejected: 2 } as const;
  return rank[second.status] > rank[first.status] ? second : first;
}
