import { startBrazeImitation, BRAZE_IMITATION_API_KEY } from './braze.js';
import { startKlaviyoImitation, KLAVIYO_IMITATION_API_KEY } from './klaviyo.js';
import { startMailchimpImitation, MAILCHIMP_IMITATION_API_KEY } from './mailchimp.js';
import { startSendgridImitation, SENDGRID_IMITATION_API_KEY } from './sendgrid.js';
import { GOOGLE_IMITATION_CREDENTIALS, startGoogleImitation } from './google.js';
import { META_IMITATION_ACCESS_TOKEN, startMetaImitation } from './meta.js';
import { TIKTOK_IMITATION_ACCESS_TOKEN, startTikTokImitation } from './tiktok.js';
import { IMITATION_ACCOUNT_SID, IMITATION_AUTH_TOKEN, startTwilioImitation } from './twilio.js';

/** A local imitation listening on 127.0.0.1. */
export interface RunningImitation {
  url: string;
  close(): Promise<void>;
}

/**
 * A vendor API imitation a user can start to try syncs without a vendor account. `credentials`
 * are the values it accepts, shown so a user can put them in the environment.
 */
export interface ImitationEntry {
  credentials: Record<string, string>;
  start(port: number): Promise<RunningImitation>;
}

export const imitationCatalog: ReadonlyMap<string, ImitationEntry> = new Map<string, ImitationEntry>([
  ['sendgrid', { credentials: { api_key: SENDGRID_IMITATION_API_KEY }, start: (port) => startSendgridImitation({ port }) }],
  ['mailchimp', { credentials: { api_key: MAILCHIMP_IMITATION_API_KEY }, start: (port) => startMailchimpImitation({ port }) }],
  ['braze', { credentials: { api_key: BRAZE_IMITATION_API_KEY }, start: (port) => startBrazeImitation({ port }) }],
  ['klaviyo', { credentials: { api_key: KLAVIYO_IMITATION_API_KEY }, start: (port) => startKlaviyoImitation({ port }) }],
  [
    'twilio',
    {
      credentials: { account_sid: IMITATION_ACCOUNT_SID, auth_token: IMITATION_AUTH_TOKEN },
      start: (port) => startTwilioImitation({ port }),
    },
  ],
  ['meta', { credentials: { access_token: META_IMITATION_ACCESS_TOKEN }, start: (port) => startMetaImitation({ port }) }],
  // Point the destination's token_url at <url>/token as well as its base_url at <url>.
  ['google', { credentials: { ...GOOGLE_IMITATION_CREDENTIALS }, start: (port) => startGoogleImitation({ port }) }],
  ['tiktok', { credentials: { access_token: TIKTOK_IMITATION_ACCESS_TOKEN }, start: (port) => startTikTokImitation({ port }) }],
]);
