import { z } from 'zod';

/**
 * The `inbound:` section of sluice.yml: the Twilio webhook that receives SMS replies, so that
 * opt-out keywords reach the suppression list. `sluice inbound serve` serves it, and so does
 * `sluice schedule` while this section is present.
 */
export const inboundTwilioSchema = z
  .object({
    /** A `twilio` destination in sluice.yml; its auth token validates `X-Twilio-Signature`. */
    destination: z.string().min(1),
    /** Path Twilio posts to. */
    path: z
      .string()
      .regex(/^\/[^?#\s]*$/, 'must be a URL path starting with /, such as /twilio/inbound, with no query')
      .default('/twilio/inbound'),
    /** Interface to listen on. The default keeps the server on this machine, behind a proxy or tunnel. */
    host: z.string().min(1).default('127.0.0.1'),
    /** TCP port; 0 picks a free one, which the startup message shows. */
    port: z.number().int().min(0).max(65535).default(8787),
    /**
     * The webhook URL as entered in Twilio, such as https://hooks.example.com/twilio/inbound.
     * Twilio signs that URL, so set it whenever a proxy or tunnel sits in front of the server.
     */
    public_url: z
      .string()
      .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
        message: 'must be an absolute http:// or https:// URL, the one configured in Twilio',
      })
      .refine((value) => !value.includes('?') && !value.includes('#'), {
        message: 'must have no query or fragment; Twilio appends nothing, and the request carries its own query',
      })
      .optional(),
  })
  .strict();

export const inboundSchema = z.object({ twilio: inboundTwilioSchema }).strict();

export type InboundTwilioConfig = z.infer<typeof inboundTwilioSchema>;
