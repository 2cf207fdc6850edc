import { DestinationError } from '../../core/errors.js';
import type { DestinationContext } from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { parseRetryAfter } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { parseJsonBody } from '../http/json-body.js';
import {
  type VendorClientOptions,
  type VendorResult,
  sendVendorRequest,
} from '../http/vendor-client.js';
import { type MailchimpAccount, mailchimpBaseUrl } from './mailchimp-config.js';

/** Mailchimp sends no rate-limit headers, so retries back off from one second. */
const BASE_RETRY_DELAY_MS = 1_000;

export interface MailchimpRequest {
  method: HttpRequest['method'];
  /** Path below the API root, such as `/lists/abc123`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** The end of one API call. An authentication failure throws instead. */
export type MailchimpResult = VendorResult;

/**
 * Sends Mailchimp Marketing API requests with HTTP Basic authentication (any user name, the key
 * as password), the retry policy and the key's shared budget of 10 connections. The calls
 * Sluice makes (batch subscribe with update_existing, archive, permanent delete) end in the same
 * state when repeated, so a request that got no response is sent again.
 */
export class MailchimpApi {
  readonly #client: VendorClientOptions;
  readonly #limiter: AccountLimiter;
  readonly #baseUrl: string;
  readonly #authorization: string;

  constructor(account: MailchimpAccount, context: DestinationContext, limiter: AccountLimiter) {
    this.#limiter = limiter;
    this.#baseUrl = mailchimpBaseUrl(account);
    this.#authorization = `Basic ${Buffer.from(`sluice:${account.api_key}`).toString('base64')}`;
    this.#client = {
      destination: 'mailchimp',
      settings: account,
      baseRetryDelayMs: BASE_RETRY_DELAY_MS,
      context,
      throttleSignal: mailchimpThrottle,
      throwIfUnauthorized,
    };
  }

  async send(request: MailchimpRequest): Promise<MailchimpResult> {
    const url = new URL(`${this.#baseUrl}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      url.searchParams.set(name, value);
    }
    const headers = { Authorization: this.#authorization, Accept: 'application/json' };
    return sendVendorRequest(
      this.#client,
      this.#limiter,
      { method: request.method, url, headers, body: request.body },
      `${request.method} ${pathTemplate(request.path)}`,
    );
  }
}

/**
 * Reads Mailchimp's throttle signals: 429, and under very high load a 403 without a JSON body.
 * Neither carries rate-limit headers, so the wait is the retry policy's backoff unless a
 * Retry-After happens to be present.
 * https://mailchimp.com/developer/marketing/docs/fundamentals/
 */
export function mailchimpThrottle(response: HttpResponse): { retryAfterMs?: number } | undefined {
  const bare403 = response.status === 403 && parseJsonBody(response) === undefined;
  if (response.status !== 429 && !bare403) return undefined;
  const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}

/** 401, and a 403 with a problem document (a bare 403 is a throttle, retried above). */
function throwIfUnauthorized(response: HttpResponse): void {
  if (response.status !== 401 && response.status !== 403) return;
  throw new DestinationError(
    `Mailchimp rejected the API key (${describeResponse(response.status, response.body)}); ` +
      'check api_key of the destination in sluice.yml and that the user may edit the audience',
    { retryable: false },
  );
}

/** Returns the route without the subscriber hash, which is personal data and stays out of logs. */
function pathTemplate(path: string): string {
  return path.replace(/\/members\/[0-9a-f]{32}/, '/members/{subscriber_hash}');
}

