/**
 * Twilio REST errors. An error response has the JSON body `{ code, message, more_info, status }`
 * (https://www.twilio.com/docs/usage/twilios-response). The codes below are the ones Twilio
 * returns synchronously when creating a message; none of them succeeds when repeated unchanged.
 */
import { bodyExcerpt } from '../http/classify.js';

/** The recipient replied STOP (or another opt-out keyword) to this sender. */
export const OPTED_OUT_CODE = 21610;

/**
 * Reasons for the codes a sync is likely to meet. These replace Twilio's own messages, which
 * may contain the phone number, in stored rejection reasons.
 */
const KNOWN_CODES: Record<number, string> = {
  21211: 'the "To" number is not a valid phone number',
  21408: 'the account has no permission to send to the region of the "To" number',
  21606: 'the "From" number cannot send messages',
  21608: 'the "To" number is not verified, which a trial account requires',
  21610: 'the recipient opted out of messages from this sender (replied STOP)',
  21614: 'the "To" number is not a mobile number',
  21617: 'the message body is longer than 1,600 characters',
  21635: 'the "To" number is a landline, which cannot receive SMS',
};

/** Phone numbers in Twilio's messages, masked before a message is stored as a reason. */
const PHONE_NUMBER = /\+?\d[\d\s().-]{5,}\d/g;

/** Returns the `code` of a Twilio error body, or undefined when the body has none. */
export function twilioErrorCode(body: string): number | undefined {
  const code = parseErrorBody(body)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Returns the rejection reason for an error response, such as `Twilio error 21211: the "To"
 * number is not a valid phone number (HTTP 400)`. Unknown codes keep Twilio's message, with
 * phone numbers masked and credentials redacted.
 */
export function describeTwilioError(status: number, body: string): string {
  const parsed = parseErrorBody(body);
  const code = typeof parsed?.code === 'number' ? parsed.code : undefined;
  if (code === undefined) {
    return `Twilio returned HTTP ${status}: ${maskPhoneNumbers(bodyExcerpt(body))}`;
  }

  const known = KNOWN_CODES[code];
  if (known) return `Twilio error ${code}: ${known} (HTTP ${status})`;

  const message = typeof parsed?.message === 'string' ? parsed.message : 'no message';
  return `Twilio error ${code}: ${maskPhoneNumbers(bodyExcerpt(message))} (HTTP ${status})`;
}

function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_NUMBER, '[phone number]');
}

function parseErrorBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON, such as an HTML error page from a proxy.
  }
  return undefined;
}
