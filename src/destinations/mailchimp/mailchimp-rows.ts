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

/** Masks the address in a vendor message, because rejection reasons are stored and shown. */
export function maskEmail(message: string, email: string): string {
  const pattern = new RegExp(email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return message.replace(pattern, '[email]').slice(0, 500);
}
