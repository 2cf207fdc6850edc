import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { countryCodeSchema } from '../identifiers/audience-config.js';

/** At most 10,000 AudienceMember resources per ingest or remove request. */
export const GOOGLE_MAX_MEMBERS_PER_REQUEST = 10_000;

/**
 * 300 requests per minute per Google Cloud project
 * (https://developers.google.com/data-manager/api/devguides/limits).
 */
const DEFAULT_REQUESTS_PER_SECOND = 5;

/** Google Ads customer IDs are often written 123-456-7890; the API takes the digits. */
const accountIdSchema = z
  .string()
  .transform((value) => value.replace(/-/g, '').trim())
  .refine((value) => /^\d+$/.test(value), { message: 'must be a numeric account ID' });

const accountTypeSchema = z.enum([
  'GOOGLE_ADS',
  'DISPLAY_VIDEO_ADVERTISER',
  'DISPLAY_VIDEO_PARTNER',
  'DATA_PARTNER',
]);

/**
 * A named Google destination in sluice.yml, for the Data Manager API, which replaces Google Ads
 * API uploads for Customer Match. Credentials are either an OAuth access token (which expires
 * after about an hour, so it suits a trial run) or an OAuth client with a refresh token, from
 * which Sluice fetches access tokens as needed. The OAuth scope is
 * https://www.googleapis.com/auth/datamanager.
 */
export const googleAccountSchema = z
  .object({
    type: z.literal('google_customer_match'),
    access_token: z.string().min(1).optional(),
    client_id: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
    refresh_token: z.string().min(1).optional(),
    /** OAuth token endpoint for the refresh token; tests point it at an imitation. */
    token_url: httpUrlSchema.default('https://oauth2.googleapis.com/token'),
    /** The Data Manager API host; tests and local trials point it at an imitation. */
    base_url: httpUrlSchema.default('https://datamanager.googleapis.com'),
    /** Google Cloud project billed for quota, sent as x-goog-user-project. */
    quota_project_id: z.string().min(1).optional(),
    /** Manager or partner account the credentials act through, when not the operating account. */
    login_account_id: accountIdSchema.optional(),
    login_account_type: accountTypeSchema.default('GOOGLE_ADS'),
    ...requestSettingsShape({
      maxConcurrency: 2,
      maxRequestsPerSecond: DEFAULT_REQUESTS_PER_SECOND,
      timeoutMs: 60_000,
    }),
    /**
     * How long a sync waits after its last batch for Google to finish processing its requests,
     * in milliseconds. When Google reports a request FAILED, the sync confirms none of its rows,
     * so the next run sends them again. Default 0, which does not wait, because Google takes from
     * about 30 minutes to 24 hours.
     */
    request_status_wait_ms: z.number().int().nonnegative().default(0),
    /** Wait before the second round of status polls, doubled after each round. */
    request_status_poll_ms: z.number().int().positive().default(60_000),
  })
  .strict()
  .superRefine((account, context) => {
    const refresh = [account.client_id, account.client_secret, account.refresh_token];
    const refreshCount = refresh.filter((value) => value !== undefined).length;
    if (account.access_token !== undefined && refreshCount > 0) {
      context.addIssue({
        code: 'custom',
        message: 'set either access_token or client_id, client_secret and refresh_token, not both',
      });
    } else if (account.access_token === undefined && refreshCount < refresh.length) {
      context.addIssue({
        code: 'custom',
        message: 'set access_token, or all of client_id, client_secret and refresh_token',
      });
    }
  });

export type GoogleAccount = z.infer<typeof googleAccountSchema>;

const consentStatusSchema = z.enum(['granted', 'denied']);

/**
 * `destination_options` of a sync that writes to a Customer Match audience. For
 * upload_key_type CONTACT_INFO the field mapping may use email, phone, first_name, last_name,
 * country, zip and country_code (the country for phone numbers without one). The address is sent
 * only when first_name, last_name, country and zip are all present. For MOBILE_ADVERTISING_ID
 * the mapping uses mobile_id.
 */
export const googleSyncSchema = z
  .object({
    /** The account that owns the audience, such as the advertiser's Google Ads customer ID. */
    operating_account_id: accountIdSchema,
    operating_account_type: accountTypeSchema.default('GOOGLE_ADS'),
    /** The Customer Match user list ID, Data Manager's productDestinationId. */
    audience_id: z.string().regex(/^\d+$/, 'must be the numeric ID of a Customer Match list'),
    /** Identifier kind the list matches on. A list takes one kind only. */
    upload_key_type: z.enum(['CONTACT_INFO', 'MOBILE_ADVERTISING_ID']).default('CONTACT_INFO'),
    /** Consent sent with every add, required by Google for users in the EEA. */
    consent: z
      .object({ ad_user_data: consentStatusSchema, ad_personalization: consentStatusSchema })
      .strict()
      .optional(),
    /** Country for phone numbers written without a country code, when the row has none. */
    default_country: countryCodeSchema.optional(),
  })
  .strict();

export type GoogleSyncOptions = z.infer<typeof googleSyncSchema>;
