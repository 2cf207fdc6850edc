import { DestinationError } from '../../core/errors.js';
import type { DestinationContext } from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { parseRetryAfter } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import type { HttpResponse } from '../http/http-client.js';
import {
  type VendorClientOptions,
  type VendorResult,
  sendVendorRequest,
} from '../http/vendor-client.js';
import type { BrazeAccount } from './braze-config.js';

/** Delay before the second attempt, doubled for each one after it, up to max_retry_wait_ms. */
const BASE_RETRY_DELAY_MS = 500;

/** The end of one `POST`. 401 and 403 throw instead. */
export type BrazeResult = VendorResult;

/**
 * Sends Braze REST requests with the account's key, retry policy and shared rate budget.
 * Attribute writes are last-write-wins and deletes and subscription changes end in the same
 * state when repeated, so a request that got no response is sent again. Sluice sends no
 * events, which Braze would store twice.
 */
export class BrazeApi {
  readonly #account: BrazeAccount;
  readonly #client: VendorClientOptions;
  readonly #limiter: AccountLimiter;

  constructor(account: BrazeAccount, context: DestinationContext, limiter: AccountLimiter) {
    this.#account = account;
    this.#limiter = limiter;
    this.#client = {
      destination: 'braze',
      settings: account,
      baseRetryDelayMs: BASE_RETRY_DELAY_MS,
      context,
      throttleSignal: brazeThrottle,
      throwIfUnauthorized,
    };
  }

  async post(path: string, body: unknown): Promise<BrazeResult> {
    const url = new URL(`${this.#account.base_url.replace(/\/+$/, '')}${path}`);
    const headers = {
      Authorization: `Bearer ${this.#account.api_key}`,
      Accept: 'application/json',
    };
    return sendVendorRequest(
      this.#client,
      this.#limiter,
      { method: 'POST', url, headers, body },
      `POST ${path}`,
    );
  }
}

/**
 * Reads Braze's throttle signal: a 429 with `X-RateLimit-Reset`, the UTC epoch second when the
 * limit resets (lower-case under HTTP/2, which Node's header map gives either way). A
 * Retry-After or X-RateLimit-Retry-After header, if present, wins.
 * https://www.braze.com/docs/api/api_limits
 */
export function brazeThrottle(response: HttpResponse): { retryAfterMs?: number } | undefined {
  if (response.status !== 429) return undefined;

  const retryAfterMs =
    parseRetryAfter(response.headers['retry-after']) ??
    parseRetryAfter(response.headers['x-ratelimit-retry-after']);
  if (retryAfterMs !== undefined) return { retryAfterMs };

  const resetHeader = response.headers['x-ratelimit-reset'];
  const reset = Number(Array.isArray(resetHeader) ? resetHeader[0] : resetHeader);
  if (!Number.isFinite(reset) || reset <= 0) return {};
  return { retryAfterMs: Math.max(0, reset * 1_000 - Date.now()) };
}

function throwIfUnauthorized(response: HttpResponse): void {
  if (response.status !== 401 && response.status !== 403) return;
  throw new DestinationError(
    `Braze rejected the API key (${describeResponse(response.status, response.body)}); ` +
      'check api_key and base_url of the destination in sluice.yml and that the key has the ' +
      'users.track, users.delete and subscription.status.set permissions',
    { retryable: false },
  );
}

