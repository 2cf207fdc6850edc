import type { DestinationContext, RowOutcome } from '../destination.js';
import type { KlaviyoApi } from './klaviyo-api.js';
import type { KlaviyoAccount, KlaviyoSyncOptions } from './klaviyo-config.js';

/** State shared by the import, list and removal steps of one sync. */
export interface KlaviyoWriteContext {
  api: KlaviyoApi;
  account: KlaviyoAccount;
  options: KlaviyoSyncOptions;
  context: DestinationContext;
}

export function rejected(reason: string): RowOutcome {
  return { status: 'rejected', reason };
}

export function retryLater(reason: string, retryAfterMs?: number): RowOutcome {
  const outcome: RowOutcome = { status: 'retry', reason };
  if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  return outcome;
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
