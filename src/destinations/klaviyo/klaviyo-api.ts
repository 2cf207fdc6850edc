import { DestinationError } from '../../core/errors.js';
import type { DestinationContext } from '../destination.js';
import { type AccountLimiter, accountLimiter } from '../http/account-limiter.js';
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { parseJsonBody } from '../http/json-body.js';
import {
  type VendorClientOptions,
  type VendorResult,
  sendVendorRequest,
} from '../http/vendor-client.js';
import type { KlaviyoAccount } from './klaviyo-config.js';

/** Delay before the second attempt, doubled for each one after it, up to max_retry_wait_ms. */
const BASE_RETRY_DELAY_MS = 500;

/** JSON:API media type, required for request bodies and sent as Accept. */
const JSON_API = 'application/vnd.api+json';

/**
 * Klaviyo limits each endpoint separately, with a burst (per second) and a steady (per minute)
 * window. Each family below gets its own budget per account, spaced at the steady rate: 150 per
 * minute for bulk import jobs (with their status, errors and profiles) and list relationships,
 * and 60 per minute for profile deletion.
 * https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling
 * NOTE: 700 per minute for profile lookups is the limit of Klaviyo's single-profile endpoints,
 * and the filtered `GET /api/profiles` may allow less.
 */
const STEADY_REQUESTS_PER_SECOND = {
  'bulk-import': 150 / 60,
  'list-relationships': 150 / 60,
  'profile-lookup': 700 / 60,
  deletion: 60 / 60,
} as const;

export type EndpointFamily = keyof typeof STEADY_REQUESTS_PER_SECOND;

export interface KlaviyoRequest {
  family: EndpointFamily;
  method: HttpRequest['method'];
  /** Path below base_url, such as `/api/profile-bulk-import-jobs`, or a `links.next` URL. */
  path: string | URL;
  query?: Record<string, string>;
  /** A JSON:API document. */
  body?: unknown;
}

/** The end of one API call. 401 and 403 throw instead. */
export type KlaviyoResult = VendorResult;

/**
 * Sends Klaviyo JSON:API requests with the private key, the `revision` header, the retry policy
 * and one rate budget per endpoint family, shared by every sync on the account. 429 responses
 * carry Retry-After, which the shared retry logic honours. Every call Sluice makes (bulk upsert,
 * list relationship changes, lookups, deletion requests) is safe to repeat, so a request that
 * got no response is sent again.
 */
export class KlaviyoApi {
  readonly #account: KlaviyoAccount;
  readonly #client: VendorClientOptions;
  readonly #accountKey: string;
  readonly #baseUrl: URL;

  constructor(account: KlaviyoAccount, context: DestinationContext, accountKey: string) {
    this.#account = account;
    this.#accountKey = accountKey;
    this.#baseUrl = new URL(account.base_url);
    this.#client = {
      destination: 'klaviyo',
      settings: account,
      baseRetryDelayMs: BASE_RETRY_DELAY_MS,
      context,
      throwIfUnauthorized,
    };
  }

  async send(request: KlaviyoRequest): Promise<KlaviyoResult> {
    const url = this.#url(request.path, request.query);
    const headers = {
      Authorization: `Klaviyo-API-Key ${this.#account.api_key}`,
      revision: this.#account.revision,
      Accept: JSON_API,
    };
    return sendVendorRequest(
      this.#client,
      this.#limiter(request.family),
      { method: request.method, url, headers, body: request.body, contentType: JSON_API },
      `${request.method} ${url.pathname}`,
    );
  }

  #limiter(family: EndpointFamily): AccountLimiter {
    return accountLimiter(`${this.#accountKey}:${family}`, {
      maxRequestsPerSecond:
        this.#account.max_requests_per_second ?? STEADY_REQUESTS_PER_SECOND[family],
      maxConcurrency: this.#account.max_concurrency,
    });
  }

  /**
   * Returns the URL for a path, or checks a `links.next` URL: the key is sent with every
   * request, so a link to any other origin than base_url is refused.
   */
  #url(path: string | URL, query: Record<string, string> = {}): URL {
    let url: URL;
    if (path instanceof URL) {
      if (path.origin !== this.#baseUrl.origin) {
        throw new DestinationError(
          `Klaviyo returned a pagination link to ${path.origin}, not ${this.#baseUrl.origin}; ` +
            'it was not followed, so that the API key is sent nowhere else',
          { retryable: false },
        );
      }
      url = new URL(path);
    } else {
      url = new URL(`${this.#account.base_url.replace(/\/+$/, '')}${path}`);
    }
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }
}

function throwIfUnauthorized(response: HttpResponse): void {
  if (response.status !== 401 && response.status !== 403) return;
  throw new DestinationError(
    `Klaviyo rejected the API key (${describeResponse(response.status, response.body)}); ` +
      'check api_key of the destination in sluice.yml and that the key has the profiles:write ' +
      'and lists:write scopes',
    { retryable: false },
  );
}

/** A JSON:API resource as Klaviyo returns it. */
export interface Resource {
  type?: string;
  id?: string;
  attributes?: Record<string, unknown>;
}

export type PageResult =
  | { kind: 'complete'; resources: Resource[] }
  | { kind: 'failed'; reason: string; retryAfterMs?: number };

/**
 * Reads every page of a cursor-paginated collection by following `links.next`. Klaviyo's
 * default page size is used, because the maximum differs between endpoints.
 */
export async function readAllPages(
  api: KlaviyoApi,
  family: EndpointFamily,
  path: string,
  query: Record<string, string> = {},
): Promise<PageResult> {
  const resources: Resource[] = [];
  let next: string | URL | undefined = path;
  let nextQuery = query;

  while (next !== undefined) {
    const result = await api.send({ family, method: 'GET', path: next, query: nextQuery });
    if (result.kind === 'not_delivered') {
      return { kind: 'failed', reason: result.reason, retryAfterMs: result.retryAfterMs };
    }
    const { response } = result;
    if (response.status !== 200) {
      return { kind: 'failed', reason: describeResponse(response.status, response.body) };
    }

    const page = parseJsonBody(response) as
      { data?: unknown; links?: { next?: unknown } } | undefined;
    if (Array.isArray(page?.data)) resources.push(...(page.data as Resource[]));
    const link = page?.links?.next;
    next = typeof link === 'string' && URL.canParse(link) ? new URL(link) : undefined;
    // The next link already carries the filter and cursor.
    nextQuery = {};
  }
  return { kind: 'complete', resources };
}
