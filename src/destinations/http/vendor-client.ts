import type { DestinationContext } from '../destination.js';
import { type RequestSettings, backoffPolicy } from './request-settings.js';
import type { AccountLimiter } from './account-limiter.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import { sendWithRetry } from './send-with-retry.js';

/** The request settings that apply to each request, as the account schemas name them. */
export type VendorRequestSettings = Pick<
  RequestSettings,
  'timeout_ms' | 'max_attempts' | 'max_retry_wait_ms'
>;

/**
 * The end of one vendor API call. `response`: any status that `throwIfUnauthorized` let
 * through, for the caller to read. `not_delivered`: retries ran out, a wait was too long, the
 * run was cancelled, or the request got no response (`outcomeUnknown`). Its rows are returned as
 * `retry`.
 */
export type VendorResult =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'not_delivered'; reason: string; retryAfterMs?: number; outcomeUnknown?: boolean };

export interface VendorRequest {
  method: HttpRequest['method'];
  url: URL;
  headers: Record<string, string>;
  /** Encoded as JSON, with `contentType` as Content-Type. Without it the request has no body. */
  body?: unknown;
  /** Content-Type of the JSON body. Defaults to `application/json`. */
  contentType?: string;
}

export interface VendorClientOptions {
  /** The destination type, logged with every retry. */
  destination: string;
  settings: VendorRequestSettings;
  /** Delay before the second attempt, doubled for each one after it, up to max_retry_wait_ms. */
  baseRetryDelayMs: number;
  context: DestinationContext;
  /** Recognises the vendor's throttle responses (see `SendWithRetryOptions.throttleSignal`). */
  throttleSignal?: (response: HttpResponse) => { retryAfterMs?: number } | undefined;
  /** Throws a non-retryable error for a response that means the credentials are wrong. */
  throwIfUnauthorized: (response: HttpResponse) => void;
}

/**
 * Sends one request of a vendor connector with `sendWithRetry`: the account's timeout and retry
 * policy, the given rate budget, and `User-Agent: sluice`. Every vendor call Sluice makes ends in
 * the same state when repeated, so a request that got no response is sent again. `label` names
 * the request in logs and must not contain personal data.
 */
export async function sendVendorRequest(
  options: VendorClientOptions,
  limiter: AccountLimiter,
  request: VendorRequest,
  label: string,
): Promise<VendorResult> {
  const { settings, context } = options;
  const headers: Record<string, string> = { ...request.headers, 'User-Agent': 'sluice' };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['Content-Type'] = request.contentType ?? 'application/json';
  }

  const result = await sendWithRetry({
    buildRequest: () => ({
      method: request.method,
      url: request.url,
      headers,
      body,
      timeoutMs: settings.timeout_ms,
    }),
    policy: backoffPolicy(settings, options.baseRetryDelayMs),
    limiter,
    resendWhenUnknown: true,
    logger: context.logger,
    logFields: { destination: options.destination, sync: context.syncName, request: label },
    signal: context.signal,
    throttleSignal: options.throttleSignal,
  });

  if (result.kind === 'retry_later') {
    return { kind: 'not_delivered', reason: result.reason, retryAfterMs: result.retryAfterMs };
  }
  if (result.kind === 'unknown') {
    return { kind: 'not_delivered', reason: result.reason, outcomeUnknown: true };
  }
  options.throwIfUnauthorized(result.response);
  return { kind: 'response', response: result.response };
}
