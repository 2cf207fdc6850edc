import type { DestinationType } from '../destination.js';
import { credentialFingerprint } from '../identifiers/audience-config.js';
import { registerGoogleSecrets } from './google-auth.js';
import {
  type GoogleAccount,
  type GoogleSyncOptions,
  googleAccountSchema,
  googleSyncSchema,
} from './google-config.js';
import { GoogleDestination } from './google-destination.js';

/**
 * Syncs with the same OAuth client or token share one rate budget. Google counts the limit per
 * Cloud project, and one OAuth client belongs to one project.
 */
function googleAccountKey(account: GoogleAccount): string {
  const credential = account.client_id ?? account.access_token ?? '';
  return `google:${credentialFingerprint(account.base_url, credential)}`;
}

export const googleDestinationType: DestinationType<GoogleAccount, GoogleSyncOptions> = {
  type: 'google_customer_match',
  accountSchema: googleAccountSchema,
  syncSchema: googleSyncSchema,
  accountKey: googleAccountKey,
  async open(account, options, context) {
    registerGoogleSecrets(account);
    return new GoogleDestination(account, options, context, googleAccountKey(account));
  },
};
