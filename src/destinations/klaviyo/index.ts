import { createHash } from 'node:crypto';
import { redactor } from '../../core/redact.js';
import type { DestinationType } from '../destination.js';
import {
  type KlaviyoAccount,
  type KlaviyoSyncOptions,
  klaviyoAccountSchema,
  klaviyoSyncSchema,
} from './klaviyo-config.js';
import { KlaviyoDestination } from './klaviyo-destination.js';

/**
 * Returns the host and a hash of the base URL and key. Klaviyo's limits apply per account, so
 * every sync using the key shares one budget per endpoint. The key itself never appears.
 */
function klaviyoAccountKey(account: KlaviyoAccount): string {
  const hash = createHash('sha256')
    .update(`${account.base_url}\n${account.api_key}`)
    .digest('hex')
    .slice(0, 16);
  return `klaviyo:${new URL(account.base_url).host}:${hash}`;
}

export const klaviyoDestinationType: DestinationType<KlaviyoAccount, KlaviyoSyncOptions> = {
  type: 'klaviyo',
  accountSchema: klaviyoAccountSchema,
  syncSchema: klaviyoSyncSchema,
  accountKey: klaviyoAccountKey,
  async open(account, options, context) {
    // A key written into sluice.yml rather than read from the environment is registered here,
    // so that no log or error shows it either.
    redactor.add(account.api_key);
    return new KlaviyoDestination(account, options, context, klaviyoAccountKey(account));
  },
};

export { klaviyoAccountSchema, klaviyoSyncSchema } from './klaviyo-config.js';
export type { KlaviyoAccount, KlaviyoSyncOptions } from './klaviyo-config.js';
