import { createHash } from 'node:crypto';
import { redactor } from '../../core/redact.js';
import type { DestinationType } from '../destination.js';
import { requestLimiter } from '../http/request-settings.js';
import {
  type SendgridAccount,
  type SendgridSyncOptions,
  sendgridAccountSchema,
  sendgridSyncSchema,
} from './sendgrid-config.js';
import { SendgridDestination } from './sendgrid-destination.js';

/**
 * Returns the host and a hash of the base URL and key: syncs using the same key share one rate
 * budget, and the key itself never appears in the account key.
 */
function sendgridAccountKey(account: SendgridAccount): string {
  const hash = createHash('sha256')
    .update(`${account.base_url}\n${account.api_key}`)
    .digest('hex')
    .slice(0, 16);
  return `sendgrid:${new URL(account.base_url).host}:${hash}`;
}

export const sendgridDestinationType: DestinationType<SendgridAccount, SendgridSyncOptions> = {
  type: 'sendgrid',
  accountSchema: sendgridAccountSchema,
  syncSchema: sendgridSyncSchema,
  accountKey: sendgridAccountKey,
  async open(account, options, context) {
    // A key read from the environment is registered already. A key written into sluice.yml is
    // registered here, so that no log or error shows it either.
    redactor.add(account.api_key);
    const limiter = requestLimiter(sendgridAccountKey(account), account);
    return new SendgridDestination(account, options, context, limiter);
  },
};

export { sendgridAccountSchema, sendgridSyncSchema } from './sendgrid-config.js';
export type { SendgridAccount, SendgridSyncOptions } from './sendgrid-config.js';
