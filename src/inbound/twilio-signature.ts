/**
 * Twilio's request signature (`X-Twilio-Signature`) for form-encoded webhooks, as documented at
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security. The signed text is the full URL
 * Twilio requested, followed by every POST parameter sorted by name, each written as name then
 * value with no separator. The signature is its HMAC-SHA1 under the account's auth token, in
 * base64.
 *
 * NOTE: a Webhooks Rule can make Twilio sign with a shared key and HMAC-SHA256 instead (it then
 * sends `X-Twilio-Webhooks-Signature-Settings`). Only the auth-token HMAC-SHA1 form is checked
 * here, so such requests fail validation.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-twilio-signature';

/** One form parameter; a name may repeat. */
export type FormParam = readonly [name: string, value: string];

/**
 * Computes the signature of a request to `url` with `params`. A repeated name is signed once per
 * distinct value, in value order, as Twilio's helper libraries do (twilio-php's
 * RequestValidatorTest signs `Digits` sent as 5678, 1234 and 1234 as `Digits1234Digits5678`).
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  params: readonly FormParam[],
): string {
  const sorted = [...params].sort(([nameA, valueA], [nameB, valueB]) => {
    if (nameA !== nameB) return nameA < nameB ? -1 : 1;
    if (valueA === valueB) return 0;
    return valueA < valueB ? -1 : 1;
  });

  let signed = url;
  let previous: FormParam | undefined;
  for (const param of sorted) {
    const [name, value] = param;
    if (previous?.[0] !== name || previous[1] !== value) signed += name + value;
    previous = param;
  }
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

/**
 * Returns true when `signature` matches the request. The URL is tried as given, without its
 * port and with the scheme's default port, because Twilio's helper libraries accept all three:
 * Twilio may sign `https://host/...` while the request line names `https://host:443/...`.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: readonly FormParam[],
): boolean {
  if (!signature) return false;
  const received = Buffer.from(signature, 'utf8');

  return urlVariants(url).some((variant) => {
    const expected = Buffer.from(computeTwilioSignature(authToken, variant, params), 'utf8');
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}

function urlVariants(url: string): string[] {
  const scheme = /^(https?):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return [url];

  const authorityStart = scheme.length + 3;
  const pathStart = url.slice(authorityStart).search(/[/?#]/);
  const authorityEnd = pathStart === -1 ? url.length : authorityStart + pathStart;
  const authority = url.slice(authorityStart, authorityEnd);

  // The host is kept as written: lower-casing it would change the signed text.
  const userInfoEnd = authority.lastIndexOf('@') + 1;
  const hostWithoutPort = authority.slice(userInfoEnd).replace(/:\d*$/, '');
  const defaultPort = scheme === 'https' ? '443' : '80';

  const withHost = (host: string) =>
    url.slice(0, authorityStart) + authority.slice(0, userInfoEnd) + host + url.slice(authorityEnd);
  return [...new Set([url, withHost(hostWithoutPort), withHost(`${hostWithoutPort}:${defaultPort}`)])];
}
