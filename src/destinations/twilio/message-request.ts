import type { LogFields, Logger } from '../../core/logger.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import {
  type BackoffPolicy,
  backoffDelayMs,
  parseRetryAfter,
  retryAfterDelayMs,
  sleep,
} from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import {
  type HttpRequest,
  type HttpResponse,
  HttpTransportError,
  sendHttpRequest,
} from '../http/http-client.js';
import { twilioErrorCode } from './twilio-errors.js';

/** Twilio's code for "too many concurrent requests"; such a request was never processed. */
const TOO_MANY_REQUESTS_CODE = 20429;

/** Statuses that fail every request of the account alike: bad credentials or Account SID. */
export const ACCOUNT_ERROR_STATUSES: readonly number[] = [401, 403, 404];

/**
 * Stop flag shared by the requests of one write. The first response with an account error sets
 * `stopped` before its request releases the concurrency slot, so no request waiting for a slot
 * is sent after it.
 */
export interface BatchStop {
  stopped: boolean;
}

export interface MessageRequestOptions {
  request: HttpRequest;
  policy: BackoffPolicy;
  /** The account's shared budget; every attempt takes a slot from it. */
  limiter: AccountLimiter;
  logger: Logger;
  logFields: LogFields;
  signal?: AbortSignal;
  /** Checked after each wait for a slot; once stopped, the request is not sent. */
  batchStop?: BatchStop;
}

/**
 * The end of one message request and its retries. `response`: a response for the caller to
 * read (2xx or 4xx other than 429). `retry_later`: certainly not processed, such as after
 * repeated 429s or a refused connection. `unknown`: Twilio may have created the message.
 */
export type MessageRequestResult =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'retry_later'; reason: string; retryAfterMs?: number }
  | { kind: 'unknown'; reason: string };

type AttemptResult =
  | { kind: 'done'; result: MessageRequestResult }
  | { kind: 'retry'; failure: string; retryAfterMs?: number };

/**
 * Sends one create-Message request. Creating a message is not idempotent, so only failures
 * that prove the request was not processed are retried: HTTP 429 or Twilio error 20429 (too
 * many concurrent requests, https://www.twilio.com/docs/api/errors/20429) and connections that
 * failed before the request was sent. A timeout or reset after sending, and any 5xx, end as
 * `unknown` and are never sent again.
 *
 * NOTE: a 5xx from a proxy in front of Twilio may also mean "not processed", but this cannot
 * tell, so the message is not re-sent. The generic sendWithRetry retries 5xx, which is why this
 * connector has its own loop.
 */
export async function sendMessageRequest(
  options: MessageRequestOptions,
): Promise<MessageRequestResult> {
  const { policy } = options;
  let last: Extract<AttemptResult, { kind: 'retry' }> | undefined;

  for (let attempt = 1; attempt <= policy.maxAttempts; attempt += 1) {
    const outcome = await attemptOnce(options);
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
    if (!(await sleep(delayMs, options.signal))) return notSent('cancelled before sending');
  }

  const failure = last?.failure ?? 'no attempt was made';
  options.logger.log('warn', 'destination.request_gave_up', {
    ...options.logFields,
    attempts: policy.maxAttempts,
    error: failure,
  });
  const reason = `gave up after ${policy.maxAttempts} attempts; last error: ${failure}`;
  return { kind: 'retry_later', reason, retryAfterMs: last?.retryAfterMs };
}

async function attemptOnce(options: MessageRequestOptions): Promise<AttemptResult> {
  const release = await options.limiter.acquire(options.signal);
  if (!release) return { kind: 'done', result: notSent('cancelled before sending') };

  try {
    if (options.batchStop?.stopped) {
      return { kind: 'done', result: notSent('not sent because an earlier request failed') };
    }
    // A message under way is never cut by the run's abort signal: its outcome would be unknown.
    const response = await sendHttpRequest(options.request);
    if (options.batchStop && ACCOUNT_ERROR_STATUSES.includes(response.status)) {
      options.batchStop.stopped = true;
    }
    return readResponse(options, response);
  } catch (error) {
    if (!(error instanceof HttpTransportError)) throw error;
    return readTransportError(options, error);
  } finally {
    release();
  }
}

function readResponse(options: MessageRequestOptions, response: HttpResponse): AttemptResult {
  const failure = describeResponse(response.status, response.body);
  if (isTooManyRequests(response)) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    if (retryAfterMs === undefined) return { kind: 'retry', failure };

    options.limiter.pause(Math.min(retryAfterMs, options.policy.maxWaitMs));
    if (retryAfterMs > options.policy.maxWaitMs) {
      const reason =
        `${failure}; Twilio requested a wait of ${retryAfterMs} ms, longer than the ` +
        `maximum wait of ${options.policy.maxWaitMs} ms`;
      return { kind: 'done', result: { kind: 'retry_later', reason, retryAfterMs } };
    }
    return { kind: 'retry', failure, retryAfterMs };
  }

  if (response.status >= 500) {
    return { kind: 'done', result: unknownOutcome(options, failure) };
  }
  return { kind: 'done', result: { kind: 'response', response } };
}

function readTransportError(
  options: MessageRequestOptions,
  error: HttpTransportError,
): AttemptResult {
  if (error.sent) return { kind: 'done', result: unknownOutcome(options, error.message) };
  if (error.code === 'ABORTED') return { kind: 'done', result: notSent(error.message) };
  return { kind: 'retry', failure: error.message };
}

function isTooManyRequests(response: HttpResponse): boolean {
  return response.status === 429 || twilioErrorCode(response.body) === TOO_MANY_REQUESTS_CODE;
}

function unknownOutcome(options: MessageRequestOptions, failure: string): MessageRequestResult {
  options.logger.log('warn', 'destination.request_outcome_unknown', {
    ...options.logFields,
    error: failure,
  });
  const reason =
    `outcome unknown: Twilio may have created the message (${failure}), ` +
    'so it was not sent again';
  return { kind: 'unknown', reason };
}

function notSent(reason: string): MessageRequestResult {
  return { kind: 'retry_later', reason };
}
