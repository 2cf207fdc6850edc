import { createHash } from 'node:crypto';
import { redactor } from '../../core/redact.js';
import type { DestinationType } from '../destination.js';
import { requestLimiter } from '../http/request-settings.js';
import {
  type BrazeAccount,
  type BrazeSyncOptions,
  brazeAccountSchema,
  brazeSyncSchema,
} from './braze-config.js';
import { BrazeDestination } from './braze-destination.js';

/**
 * Returns the host and a hash of the base URL and key: syncs using the same key share one rate
 * budget, and the key itself never appears in the account key.
 */
function brazeAccountKey(account: BrazeAccount): string {
  const hash = createHash('sha256')
    .update(`${account.base_url}\n${account.api_key}`)
    .digest('hex')
    .slice(0, 16);
  return `braze:${new URL(account.base_url).host}:${hash}`;
}

export const brazeDestinationType: DestinationType<BrazeAccount, BrazeSyncOptions> = {
  type: 'braze',
  accountSchema: brazeAccountSchema,
  syncSchema: brazeSyncSchema,
  accountKey: brazeAccountKey,
  async open(account, options, context) {
    // A key written into sluice.yml rather than read from the environment is registered here,
    // so that no log or error shows it either.
    redactor.add(account.api_key);
    const limiter = requestLimiter(brazeAccountKey(account), account);
    return new BrazeDestination(account, options, context, limiter);
  },
};

export { brazeAccountSchema, brazeSyncSchema } from './braze-config.js';
export type { BrazeAccount, BrazeSyncOptions } from './braze-config.js';
