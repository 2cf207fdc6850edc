import type { DestinationContext, RowOutcome } from '../destination.js';
import type { MailchimpApi } from './mailchimp-api.js';
import type { MailchimpSyncOptions } from './mailchimp-config.js';

/** State shared by the subscribe and removal steps of one sync. */
export interface MailchimpWriteContext {
  api: MailchimpApi;
  options: MailchimpSyncOptions;
  context: DestinationContext;
  /** The one lookup of the audience that removals wait for (see checkAudienceExists). */
  audienceCheck?: Promise<RowOutcome | undefined>;
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

/** Masks the address in a vendor message, because rejection reasons are stored and shown. */
export function maskEmail(message: string, email: string): string {
  const pattern = new RegExp(email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return message.replace(pattern, '[email]').slice(0, 500);
}
