import type { DestinationContext, RowOutcome } from '../destination.js';
import type { BrazeApi } from './braze-api.js';
import type { BrazeAccount, BrazeSyncOptions } from './braze-config.js';

/** State shared by the track, subscription and delete steps of one sync. */
export interface BrazeWriteContext {
  api: BrazeApi;
  account: BrazeAccount;
  options: BrazeSyncOptions;
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

/** Logs rows left out because another row of the batch named the same user. */
export function logDuplicates(write: BrazeWriteContext, identifier: string, rows: number): void {
  if (rows === 0) return;
  write.context.logger.log('warn', 'destination.duplicate_identifier', {
    destination: 'braze',
    sync: write.context.syncName,
    identifier,
    rows,
  });
}

export function duplicateReason(identifier: string, firstKey: string): string {
  return (
    `duplicate ${identifier}: row ${JSON.stringify(firstKey)} of the same batch names the ` +
    'same Braze user, and only that row was sent'
  );
}
