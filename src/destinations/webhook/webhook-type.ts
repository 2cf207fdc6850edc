import { createHash } from 'node:crypto';
import type { DestinationType } from '../destination.js';
import {
  type WebhookAccount,
  type WebhookSyncOptions,
  webhookAccountSchema,
  webhookSyncSchema,
} from './webhook-config.js';
import { WebhookDestination, registerWebhookSecrets } from './webhook-destination.js';

/**
 * Returns the host and a hash of the full URL: syncs posting to the same URL share one rate
 * budget, and the key is safe to log even when the URL path carries a token.
 */
function webhookAccountKey(account: WebhookAccount): string {
  const hash = createHash('sha256').update(account.url).digest('hex').slice(0, 16);
  return `webhook:${new URL(account.url).host}:${hash}`;
}

export const webhookDestinationType: DestinationType<WebhookAccount, WebhookSyncOptions> = {
  type: 'webhook',
  accountSchema: webhookAccountSchema,
  syncSchema: webhookSyncSchema,
  accountKey: webhookAccountKey,
  async open(account, options, context) {
    registerWebhookSecrets(account);
    return new WebhookDestination(account, options, context, webhookAccountKey(account));
  },
};
