import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

const httpUrlSchema = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an absolute http:// or https:// URL, such as https://api.twilio.com',
  });

/** A sending phone number in E.164, a short code, or an alphanumeric sender ID. */
const senderSchema = z
  .string()
  .regex(
    /^(?:\+[1-9]\d{1,14}|\d{3,8}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
    'must be an E.164 number such as +14155552671, a short code, or an alphanumeric sender ID',
  );

const countrySchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => isSupportedCountry(value), {
    message: 'must be an ISO 3166-1 alpha-2 country code such as US or GB',
  });

const localeSchema = z.string().refine((value) => isValidLocale(value), {
  message: 'must be a BCP 47 locale such as en-US or de-DE',
});

const timeZoneSchema = z.string().refine((value) => isValidTimeZone(value), {
  message: 'must be an IANA time zone such as Europe/London',
});

/** A named Twilio destination in sluice.yml. */
export const twilioAccountSchema = z
  .object({
    type: z.literal('twilio'),
    account_sid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID: AC and 32 hex digits'),
    /** Write `${TWILIO_AUTH_TOKEN}` so that the token stays in the environment. */
    auth_token: z.string().min(1),
    /** The sending number; set this or messaging_service_sid. */
    from: senderSchema.optional(),
    /** A Messaging Service that picks the sender; set this or from. */
    messaging_service_sid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID: MG and 32 hex digits')
      .optional(),
    /**
     * Required, with no default, so a test or demo can never reach the real API by omission.
     * Use https://api.twilio.com for Twilio itself.
     */
    base_url: httpUrlSchema,
    /**
     * Requests in flight at once for this account. Twilio enforces a per-account concurrency
     * limit, which depends on the account, and responds with 429 above it.
     */
    max_concurrency: z.number().int().positive().default(4),
    max_requests_per_second: z.number().positive().optional(),
    /** Time allowed for one request, from connecting to the end of the response, in ms. */
    timeout_ms: z.number().int().positive().default(30_000),
    /** Attempts per message, the first included, for 429s and refused connections. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts in ms, for backoff and Retry-After alike. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
  })
  .strict()
  .refine(
    (account) => (account.from === undefined) !== (account.messaging_service_sid === undefined),
    {
      message: 'set exactly one of `from` (a sending number) or `messaging_service_sid`',
      path: ['from'],
    },
  );

export type TwilioAccount = z.infer<typeof twilioAccountSchema>;

/** `destination_options` of a sync that sends SMS through Twilio. */
export const twilioSyncSchema = z
  .object({
    /** Handlebars file under the project's templates/ folder, such as `cart_reminder_sms.hbs`. */
    template: z.string().min(1),
    /** Mapped field that contains the recipient's phone number. */
    to_field: z.string().min(1),
    /** Mapped field that contains the recipient's ISO country code, for numbers without `+`. */
    country_field: z.string().min(1).optional(),
    /** Country for numbers without `+` when the row has no country. */
    default_country: countrySchema.optional(),
    /** Messages longer than this many segments are rejected, each row alone. */
    max_segments: z.number().int().positive().optional(),
    /** Locale of the template's formatting helpers; default en-US. */
    locale: localeSchema.optional(),
    /** Time zone that the template's formatDate shows timestamps in; default UTC. */
    time_zone: timeZoneSchema.optional(),
  })
  .strict();

export type TwilioSyncOptions = z.infer<typeof twilioSyncSchema>;

/** Returns the create-Message URL: `<base_url>/2010-04-01/Accounts/<sid>/Messages.json`. */
export function messagesUrl(account: TwilioAccount): URL {
  const url = new URL(account.base_url);
  const basePath = url.pathname.replace(/\/$/, '');
  url.pathname = `${basePath}/2010-04-01/Accounts/${account.account_sid}/Messages.json`;
  return url;
}

/** Returns the sender that suppression entries name: the number or the Messaging Service SID. */
export function senderOf(account: TwilioAccount): string {
  return account.from ?? account.messaging_service_sid ?? '';
}

function isValidLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

function isValidTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
