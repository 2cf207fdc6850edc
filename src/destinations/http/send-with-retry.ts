import type { LogFields, Logger } from '../../core/logger.js';
import type { AccountLimiter } from './account-limiter.js';
import {
  type BackoffPolicy,
  backoffDelayMs,
  parseRetryAfter,
  retryAfterDelayMs,
  sleep,
} from './backoff.js';
import { classifyStatus, classifyTransportError, describeResponse } from './classify.js';
import {
  type HttpRequest,
  type HttpResponse,
  HttpTransportError,
  sendHttpRequest,
} from './http-client.js';

export interface SendWithRetryOptions {
  /** Builds the request for each attempt, so signatures and timestamps can be fresh. */
  buildRequest: () => HttpRequest;
  policy: BackoffPolicy;
  /** The account's shared budget; every attempt takes a slot from it. */
  limiter: AccountLimiter;
  /**
   * Whether to send a request again after it was sent and got no response. Safe only when the
   * server discards repeats, for example by Idempotency-Key.
   */
  resendWhenUnknown: boolean;
  logger: Logger;
  /** Ids added to every log event, such as the sync and batch. */
  logFields: LogFields;
  signal?: AbortSignal;
  /**
   * Recognises a vendor's own throttle signal in a response that the status alone does not mark
   * as retryable, such as an error code inside an HTTP 200 or 400 body. Returns the wait the
   * vendor asks for (or `{}` for none given), or undefined when the response is not a throttle.
   */
  throttleSignal?: (response: HttpResponse) => { retryAfterMs?: number } | undefined;
}

/**
 * The end of a request and its retries. `response`: a 2xx or a permanent failure such as 400,
 * for the caller to read. `retry_later`: not delivered as far as this process can tell (retryable
 * failures until the attempts ran out, a Retry-After beyond the maximum wait, or cancellation).
 * `unknown`: sent without a response, so the server may have acted on it.
 */
export type SendResult =
  | { kind: 'response'; response: HttpResponse; attempts: number }
  | { kind: 'retry_later'; reason: string; retryAfterMs?: number; attempts: number }
  | { kind: 'unknown'; reason: string; attempts: number };

type AttemptResult =
  | { kind: 'done'; result: SendResult }
  | { kind: 'retry'; failure: string; unknown: boolean; retryAfterMs?: number };

/**
 * Sends a request, retrying 408, 429, 5xx and requests that never left this process, with
 * exponential backoff or the server's Retry-After. A Retry-After longer than the policy's
 * maximum wait ends the retries at once and is passed on as `retryAfterMs`.
 */
export async function sendWithRetry(options: SendWithRetryOptions): Promise<SendResult> {
  const { policy, signal } = options;
  let last: Extract<AttemptResult, { kind: 'retry' }> | undefined;

  for (let attempt = 1; attempt <= policy.maxAttempts; attempt += 1) {
    const outcome = await attemptOnce(options, attempt);
    if (outcome.kind === 'done') return outcome.result;
    last = outcome;
    if (attempt === policy.maxAttempts) break;

    const delayMs =
      outcome.retryAfterMs !== undefined
        ? retryAfterDelayMs(outcome.retryAfterMs)
        : backoffDelayMs(attempt, policy);
    options.logger.log('warn', 'destination.request_retrying', {
      ...options.logFields,
      attempt,
      max_attempts: policy.maxAttempts,
      delay_ms: delayMs,
      error: outcome.failure,
    });
    if (!(await sleep(delayMs, signal))) {
      if (outcome.unknown) return unknownOutcome(options, outcome.failure, attempt);
      return cancelled(attempt);
    }
  }

  return giveUp(options, last);
}

async function attemptOnce(options: SendWithRetryOptions, attempt: number): Promise<AttemptResult> {
  const release = await options.limiter.acquire(options.signal);
  if (!release) return { kind: 'done', result: cancelled(attempt - 1) };

  try {
    // The run's abort signal stops waits and new requests, never a request already under way:
    // cutting it would leave its outcome unknown. The request's own timeout bounds it.
    const startedAt = Date.now();
    const response = await sendHttpRequest(options.buildRequest());
    return readResponse(options, response, attempt, startedAt);
  } catch (error) {
    if (!(error instanceof HttpTransportError)) throw error;
    return readTransportError(options, error, attempt);
  } finally {
    release();
  }
}

function readResponse(
  options: SendWithRetryOptions,
  response: HttpResponse,
  attempt: number,
  startedAt: number,
): AttemptResult {
  const throttle = options.throttleSignal?.(response);
  const throttled = throttle !== undefined || response.status === 429;
  if (!throttled) options.limiter.accepted(startedAt);
  if (!throttled && classifyStatus(response.status) !== 'retryable') {
    return { kind: 'done', result: { kind: 'response', response, attempts: attempt } };
  }

  const failure = describeResponse(response.status, response.body);
  const retryAfterMs = throttle?.retryAfterMs ?? parseRetryAfter(response.headers['retry-after']);
  if (retryAfterMs === undefined) return { kind: 'retry', failure, unknown: false };

  // Every request on this account waits, but no longer than this policy would wait itself. A
  // throttle also lowers the account's rate; an overloaded server (503) does not.
  const waitMs = Math.min(retryAfterMs, options.policy.maxWaitMs);
  if (throttled) options.limiter.throttled(waitMs);
  else options.limiter.pause(waitMs);
  if (retryAfterMs > options.policy.maxWaitMs) {
    const reason =
      `${failure}; the server requested a wait of ${retryAfterMs} ms, ` +
      `longer than the maximum wait of ${options.policy.maxWaitMs} ms`;
    const result: SendResult = { kind: 'retry_later', reason, retryAfterMs, attempts: attempt };
    return { kind: 'done', result };
  }
  return { kind: 'retry', failure, unknown: false, retryAfterMs };
}

function readTransportError(
  options: SendWithRetryOptions,
  error: HttpTransportError,
  attempt: number,
): AttemptResult {
  const unknown = classifyTransportError(error) === 'unknown';
  if (error.code === 'ABORTED') {
    if (!unknown) return { kind: 'done', result: cancelled(attempt) };
    return { kind: 'done', result: unknownOutcome(options, error.message, attempt) };
  }

  if (unknown && !options.resendWhenUnknown) {
    return { kind: 'done', result: unknownOutcome(options, error.message, attempt) };
  }
  return { kind: 'retry', failure: error.message, unknown };
}

function unknownOutcome(
  options: SendWithRetryOptions,
  failure: string,
  attempts: number,
): SendResult {
  const reason =
    `outcome unknown: the request was sent but got no response (${failure}), ` +
    'so it was not sent again';
  options.logger.log('warn', 'destination.request_outcome_unknown', {
    ...options.logFields,
    attempts,
    error: failure,
  });
  return { kind: 'unknown', reason, attempts };
}

function cancelled(attempts: number): SendResult {
  return { kind: 'retry_later', reason: 'cancelled before the request was sent', attempts };
}

function giveUp(
  options: SendWithRetryOptions,
  last: Extract<AttemptResult, { kind: 'retry' }> | undefined,
): SendResult {
  const attempts = options.policy.maxAttempts;
  const failure = last?.failure ?? 'no attempt was made';
  options.logger.log('warn', 'destination.request_gave_up', {
    ...options.logFields,
    attempts,
    error: failure,
  });

  const gaveUp = `gave up after ${attempts} attempts; last error: ${failure}`;
  if (last?.unknown) return { kind: 'unknown', reason: `outcome unknown: ${gaveUp}`, attempts };
  return { kind: 'retry_later', reason: gaveUp, retryAfterMs: last?.retryAfterMs, attempts };
}
