import { DestinationError } from '../../core/errors.js';
import type { DestinationContext } from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { parseRetryAfter } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { sendWithRetry } from '../http/send-with-retry.js';
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

/**
 * The end of one API call. `response`: any status except 401 and 403, which throw, for the
 * caller to read. `not_delivered`: retries ran out, a wait was too long, the run was cancelled,
 * or the request got no response. Its rows are returned as `retry`.
 */
export type SendgridResult =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'not_delivered'; reason: string; retryAfterMs?: number; outcomeUnknown?: boolean };

/**
 * Sends SendGrid v3 requests with the account's key, retry policy and shared rate budget.
 * Every SendGrid call Sluice makes is safe to repeat (upserts are keyed by email, deletes by
 * contact id), so a request that got no response is sent again.
 */
export class SendgridApi {
  readonly #account: SendgridAccount;
  readonly #context: DestinationContext;
  readonly #limiter: AccountLimiter;

  constructor(account: SendgridAccount, context: DestinationContext, limiter: AccountLimiter) {
    this.#account = account;
    this.#context = context;
    this.#limiter = limiter;
  }

  async send(request: SendgridRequest): Promise<SendgridResult> {
    const url = apiUrl(this.#account.base_url, request.path, request.query);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#account.api_key}`,
      Accept: 'application/json',
      'User-Agent': 'sluice',
    };
    return this.#send({ method: request.method, url, headers, body: request.body }, request.path);
  }

  /**
   * Downloads a file SendGrid links to, such as an import job's errors_url, without the API
   * key: the link is pre-signed and may point at another host.
   */
  async download(url: URL): Promise<SendgridResult> {
    return this.#send({ method: 'GET', url, headers: { 'User-Agent': 'sluice' } }, 'errors_url');
  }

  async #send(
    request: {
      method: HttpRequest['method'];
      url: URL;
      headers: Record<string, string>;
      body?: unknown;
    },
    label: string,
  ): Promise<SendgridResult> {
    const headers = { ...request.headers };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    }

    const result = await sendWithRetry({
      buildRequest: () => ({
        method: request.method,
        url: request.url,
        headers,
        body,
        timeoutMs: this.#account.timeout_ms,
      }),
      policy: {
        maxAttempts: this.#account.max_attempts,
        baseDelayMs: Math.min(BASE_RETRY_DELAY_MS, this.#account.max_retry_wait_ms),
        maxWaitMs: this.#account.max_retry_wait_ms,
      },
      limiter: this.#limiter,
      resendWhenUnknown: true,
      logger: this.#context.logger,
      logFields: {
        destination: 'sendgrid',
        sync: this.#context.syncName,
        request: `${request.method} ${label}`,
      },
      signal: this.#context.signal,
      throttleSignal: sendgridThrottle,
    });

    if (result.kind === 'retry_later') {
      return { kind: 'not_delivered', reason: result.reason, retryAfterMs: result.retryAfterMs };
    }
    if (result.kind === 'unknown') {
      return { kind: 'not_delivered', reason: result.reason, outcomeUnknown: true };
    }
    throwIfUnauthorized(result.response);
    return { kind: 'response', response: result.response };
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

/** Parses a JSON response body. Returns undefined when it is empty or not JSON. */
export function parseJsonBody(response: HttpResponse): unknown {
  if (response.body.trim() === '') return undefined;
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}
