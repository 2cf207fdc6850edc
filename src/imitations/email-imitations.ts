/**
 * The email-platform imitations by destination type, for a command that starts one locally so
 * that the example syncs can run without vendor accounts. Each listens on 127.0.0.1 and returns
 * the URL to put in the destination's `base_url`, with the API key it accepts.
 */
import { BRAZE_IMITATION_API_KEY, startBrazeImitation } from './braze.js';
import type { ImitationServerOptions } from './email-imitation-server.js';
import { KLAVIYO_IMITATION_API_KEY, startKlaviyoImitation } from './klaviyo.js';
import { MAILCHIMP_IMITATION_API_KEY, startMailchimpImitation } from './mailchimp.js';
import { SENDGRID_IMITATION_API_KEY, startSendgridImitation } from './sendgrid.js';

export interface RunningImitation {
  /** Value for `base_url`. */
  url: string;
  close(): Promise<void>;
}

export interface EmailImitation {
  /** The API key the imitation accepts, for `api_key`. */
  apiKey: string;
  start(options?: ImitationServerOptions): Promise<RunningImitation>;
}

export const emailImitations: ReadonlyMap<string, EmailImitation> = new Map<string, EmailImitation>(
  [
    ['sendgrid', { apiKey: SENDGRID_IMITATION_API_KEY, start: startSendgridImitation }],
    ['mailchimp', { apiKey: MAILCHIMP_IMITATION_API_KEY, start: startMailchimpImitation }],
    ['braze', { apiKey: BRAZE_IMITATION_API_KEY, start: startBrazeImitation }],
    ['klaviyo', { apiKey: KLAVIYO_IMITATION_API_KEY, start: startKlaviyoImitation }],
  ],
);
