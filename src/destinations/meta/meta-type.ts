import type { DestinationType } from '../destination.js';
import { credentialFingerprint } from '../identifiers/audience-config.js';
import {
  type MetaAccount,
  type MetaSyncOptions,
  metaAccountSchema,
  metaSyncSchema,
} from './meta-config.js';
import { MetaDestination, registerMetaSecrets } from './meta-destination.js';

/**
 * Syncs that use the same token share one rate budget; Meta's Business Use Case limits count
 * per app and ad account, and a token usually serves one of each.
 */
function metaAccountKey(account: MetaAccount): string {
  return `meta:${credentialFingerprint(account.base_url, account.access_token)}`;
}

export const metaDestinationType: DestinationType<MetaAccount, MetaSyncOptions> = {
  type: 'meta_custom_audience',
  accountSchema: metaAccountSchema,
  syncSchema: metaSyncSchema,
  accountKey: metaAccountKey,
  async open(account, options, context) {
    registerMetaSecrets(account);
    return new MetaDestination(account, options, context, metaAccountKey(account));
  },
};
