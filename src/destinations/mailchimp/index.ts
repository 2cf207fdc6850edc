import { createHash } from 'node:crypto';
import { redactor } from '../../core/redact.js';
import type { DestinationType } from '../destination.js';
import { accountLimiter } from '../http/account-limiter.js';
import {
  type MailchimpAccount,
  type MailchimpSyncOptions,
  mailchimpAccountSchema,
  mailchimpBaseUrl,
  mailchimpSyncSchema,
} from './mailchimp-config.js';
import { MailchimpDestination } from './mailchimp-destination.js';

/**
 * Returns the host and a hash of the key. Mailchimp's limit of 10 connections applies per key,
 * so every sync using the key shares one budget. The key itself never appears.
 */
function mailchimpAccountKey(account: MailchimpAccount): string {
  const baseUrl = mailchimpBaseUrl(account);
  const hash = createHash('sha256').update(`${baseUrl}\n${account.api_key}`).digest('hex');
  return `mailchimp:${new URL(baseUrl).host}:${hash.slice(0, 16)}`;
}

export const mailchimpDestinationType: DestinationType<MailchimpAccount, MailchimpSyncOptions> = {
  type: 'mailchimp',
  accountSchema: mailchimpAccountSchema,
  syncSchema: mailchimpSyncSchema,
  accountKey: mailchimpAccountKey,
  async open(account, options, context) {
    // A key written into sluice.yml rather than read from the environment is registered here,
    // so that no log or error shows it either.
    redactor.add(account.api_key);
    const limiter = accountLimiter(mailchimpAccountKey(account), {
      maxConcurrency: account.max_concurrency,
    });
    return new MailchimpDestination(account, options, context, limiter);
  },
};

export { mailchimpAccountSchema, mailchimpSyncSchema } from './mailchimp-config.js';
export type { MailchimpAccount, MailchimpSyncOptions } from './mailchimp-config.js';
