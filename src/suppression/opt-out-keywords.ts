/**
 * SMS keyword replies: opt-out, opt-in and help. A reply is a keyword when the whole message,
 * trimmed and compared without case, is one of the keywords below. As in Twilio's own keyword
 * handling, a keyword inside a sentence ("please stop") does not count.
 *
 * Sources:
 * - Twilio's default opt-out keywords are STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE
 *   and OPTOUT (https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out).
 * - Twilio's opt-in keywords are START, YES and UNSTOP, and HELP and INFO ask for help
 *   (https://www.twilio.com/help/faq/sms/does-twilio-support-stop-block-and-cancel-aka-sms-filtering
 *   and https://support.twilio.com/hc/en-us/articles/223134027).
 * - The FCC's consent-revocation rule (47 CFR 64.1200(a)(10), adopted in 2024) lists
 *   "stop", "quit", "end", "revoke", "opt out", "cancel" and "unsubscribe" as replies that
 *   revoke consent.
 *
 * NOTE: the FCC rule also counts other wording that a reasonable person would read as an
 * opt-out. Free-text replies are not classified here and need their own review.
 */

export type ReplyKind = 'opt_out' | 'opt_in' | 'help';

export interface ReplyKeyword {
  kind: ReplyKind;
  /** The keyword matched, upper-case, with single spaces: `OPT OUT`. */
  keyword: string;
}

/** Twilio's defaults and the FCC list; `OPT OUT` and `OPT-OUT` are the FCC's two-word form. */
export const OPT_OUT_KEYWORDS: readonly string[] = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'OPT OUT',
  'OPT-OUT',
];

export const OPT_IN_KEYWORDS: readonly string[] = ['START', 'YES', 'UNSTOP'];

export const HELP_KEYWORDS: readonly string[] = ['HELP', 'INFO'];

/** Punctuation around an opt-out keyword ("Stop!", "stop.") does not change its meaning. */
const SURROUNDING_PUNCTUATION = /^[\s.,;:!?'"()]+|[\s.,;:!?'"()]+$/g;

/**
 * Classifies an inbound message body. Returns the keyword it is, or undefined for any other
 * message. Opt-out keywords also match with surrounding punctuation, because reading too many
 * replies as opt-outs is the safe mistake; opt-in and help keywords must match exactly.
 */
export function classifyReply(body: string): ReplyKeyword | undefined {
  const normalized = body.trim().replace(/\s+/g, ' ').toUpperCase();

  const withoutPunctuation = normalized.replace(SURROUNDING_PUNCTUATION, '');
  if (OPT_OUT_KEYWORDS.includes(withoutPunctuation)) {
    return { kind: 'opt_out', keyword: withoutPunctuation };
  }
  if (OPT_IN_KEYWORDS.includes(normalized)) return { kind: 'opt_in', keyword: normalized };
  if (HELP_KEYWORDS.includes(normalized)) return { kind: 'help', keyword: normalized };
  return undefined;
}
