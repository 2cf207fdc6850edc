import { DestinationError } from '../../core/errors.js';
import type { DestinationContext } from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { parseRetryAfter } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import {
  type VendorClientOptions,
  type VendorResult,
  sendVendorRequest,
} from '../http/vendor-client.js';
import type { SendgridAccount } from './sendgrid-config.js';

/** Delay before the second attempt, doubled for each one after it, up to max_retry_wait_ms. */
const BASE_RETRY_DELAY_MS = 500;

export interface SendgridRequest {
  method: HttpRequest['method'];
  /** Path below base_url, such as `/v3/marketing/contacts`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** The end of one API call. 401 and 403 throw instead. */
export type SendgridResult = VendorResult;

/**
 * Sends SendGrid v3 requests with the account's key, retry policy and shared rate budget.
 * Every SendGrid call Sluice makes is safe to repeat (upserts are keyed by email, deletes by
 * contact id), so a request that got no response is sent again.
 */
export class SendgridApi {
  readonly #account: SendgridAccount;
  readonly #client: VendorClientOptions;
  readonly #limiter: AccountLimiter;

  constructor(account: SendgridAccount, context: DestinationContext, limiter: AccountLimiter) {
    this.#account = account;
    this.#limiter = limiter;
    this.#client = {
      destination: 'sendgrid',
      settings: account,
      baseRetryDelayMs: BASE_RETRY_DELAY_MS,
      context,
      throttleSignal: sendgridThrottle,
      throwIfUnauthorized,
    };
  }

  async send(request: SendgridRequest): Promise<SendgridResult> {
    const url = apiUrl(this.#account.base_url, request.path, request.query);
    const headers = {
      Authorization: `Bearer ${this.#account.api_key}`,
      Accept: 'application/json',
    };
    return sendVendorRequest(
      this.#client,
      this.#limiter,
      { method: request.method, url, headers, body: request.body },
      `${request.method} ${request.path}`,
    );
  }

  /**
   * Downloads a file SendGrid links to, such as an import job's errors_url, without the API
   * key: the link is pre-signed and may point at another host.
   */
  async download(url: URL): Promise<SendgridResult> {
    return sendVendorRequest(
      this.#client,
      this.#limiter,
      { method: 'GET', url, headers: {} },
      'GET errors_url',
    );
  }
}

/**
 * Reads SendGrid's throttle signal: a 429 whose X-RateLimit-Reset header is the Unix time, in
 * seconds, when the limit resets. A Retry-After header, if present, wins.
 * https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits
 */
export function sendgridThrottle(response: HttpResponse): { retryAfterMs?: number } | undefined {
  if (response.status !== 429) return undefined;

  const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
  if (retryAfterMs !== undefined) return { retryAfterMs };

  const reset = Number(firstHeader(response.headers['x-ratelimit-reset']));
  if (!Number.isFinite(reset) || reset <= 0) return {};
  return { retryAfterMs: Math.max(0, reset * 1_000 - Date.now()) };
}

function throwIfUnauthorized(response: HttpResponse): void {
  if (response.status !== 401 && response.status !== 403) return;
  throw new DestinationError(
    `SendGrid rejected the API key (${describeResponse(response.status, response.body)}); ` +
      'check api_key of the destination in sluice.yml and that the key has the Marketing ' +
      'Contacts scopes',
    { retryable: false },
  );
}

function apiUrl(baseUrl: string, path: string, query: Record<string, string> = {}): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

