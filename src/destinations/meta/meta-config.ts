import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { countryCodeSchema } from '../identifiers/audience-config.js';

/** Graph API version used when the account does not set one; Meta's examples use v25.0. */
export const DEFAULT_META_API_VERSION = 'v25.0';

/** At most 10,000 rows per call to /{audience_id}/users (Meta's custom audience guide). */
export const META_MAX_ROWS_PER_REQUEST = 10_000;

/**
 * A named Meta destination in sluice.yml: one set of credentials, which any number of audience
 * syncs share, with one rate budget.
 */
export const metaAccountSchema = z
  .object({
    type: z.literal('meta_custom_audience'),
    /** System-user access token with ads_management, written as `${META_ACCESS_TOKEN}`. */
    access_token: z.string().min(1),
    /** App secret; when set, every request carries appsecret_proof, an HMAC of the token. */
    app_secret: z.string().min(1).optional(),
    /** The Graph API host; tests and local trials point it at an imitation. */
    base_url: httpUrlSchema.default('https://graph.facebook.com'),
    api_version: z
      .string()
      .regex(/^v\d+\.\d+$/, 'must look like v25.0')
      .default(DEFAULT_META_API_VERSION),
    ...requestSettingsShape({ maxConcurrency: 2, timeoutMs: 120_000 }),
  })
  .strict();

export type MetaAccount = z.infer<typeof metaAccountSchema>;

/**
 * `destination_options` of a sync that writes to a Meta custom audience. The field mapping may
 * use: email, phone, first_name, last_name, city, state, zip, country, gender, date_of_birth
 * (YYYY-MM-DD), madid (mobile advertising ID), external_id, and country_code (the country for
 * phone numbers without one). See META_FIELDS in identifiers/meta-identifiers.ts.
 */
export const metaSyncSchema = z
  .object({
    /** The ID of a customer-list custom audience (subtype CUSTOM). */
    audience_id: z.string().regex(/^\d+$/, 'must be the numeric ID of a custom audience'),
    /** Country for phone numbers written without a country code, when the row has none. */
    default_country: countryCodeSchema.optional(),
    /**
     * What a run with `--full` does. `replace` uploads every current row through /usersreplace
     * in one session, which drops everyone not uploaded. `add` adds every row again through
     * /users and removes only the rows that left the model.
     */
    full_refresh: z.enum(['replace', 'add']).default('replace'),
  })
  .strict();

export type MetaSyncOptions = z.infer<typeof metaSyncSchema>;
