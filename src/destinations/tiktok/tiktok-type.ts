import type { DestinationType } from '../destination.js';
import { credentialFingerprint } from '../identifiers/audience-config.js';
import {
  type TikTokAccount,
  type TikTokSyncOptions,
  tiktokAccountSchema,
  tiktokSyncSchema,
} from './tiktok-config.js';
import { TikTokDestination, registerTikTokSecrets } from './tiktok-destination.js';

/** Syncs that use the same access token share one rate budget. */
function tiktokAccountKey(account: TikTokAccount): string {
  return `tiktok:${credentialFingerprint(account.base_url, account.access_token)}`;
}

export const tiktokDestinationType: DestinationType<TikTokAccount, TikTokSyncOptions> = {
  type: 'tiktok_audience',
  accountSchema: tiktokAccountSchema,
  syncSchema: tiktokSyncSchema,
  accountKey: tiktokAccountKey,
  async open(account, options, context) {
    registerTikTokSecrets(account);
    return new TikTokDestination(account, options, context, tiktokAccountKey(account));
  },
};
