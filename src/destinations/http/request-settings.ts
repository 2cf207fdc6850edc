/** Config schema parts shared by the connectors that call an HTTP API. */
import { z } from 'zod';
import { type AccountLimiter, accountLimiter } from './account-limiter.js';
import type { BackoffPolicy } from './backoff.js';

/** An absolute http(s) URL; tests and local trials point base URLs at an imitation. */
export const httpUrlSchema = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an absolute http:// or https:// URL',
  });

/**
 * Request settings every HTTP connector takes in its account config. The rate and concurrency
 * apply to every sync that writes with the same credentials, in this process.
 */
export function requestSettingsShape(defaults: {
  maxConcurrency: number;
  maxRequestsPerSecond?: number;
  timeoutMs: number;
}) {
  const rate = z.number().positive();
  return {
    max_concurrency: z.number().int().positive().default(defaults.maxConcurrency),
    max_requests_per_second:
      defaults.maxRequestsPerSecond === undefined
        ? rate.optional()
        : rate.default(defaults.maxRequestsPerSecond),
    /** Time allowed for one request, from connecting to the end of the response. */
    timeout_ms: z.number().int().positive().default(defaults.timeoutMs),
    /** Attempts per request, the first included, before its rows are returned for a later run. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts, for backoff and for a platform's requested wait. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
  };
}

export interface RequestSettings {
  max_concurrency: number;
  max_requests_per_second?: number | undefined;
  timeout_ms: number;
  max_attempts: number;
  max_retry_wait_ms: number;
}

/**
 * Returns the backoff policy for a connector's request settings: `baseDelayMs` before the second
 * attempt, doubled for each one after it, and no single wait longer than max_retry_wait_ms.
 */
export function backoffPolicy(
  settings: Pick<RequestSettings, 'max_attempts' | 'max_retry_wait_ms'>,
  baseDelayMs = 500,
): BackoffPolicy {
  return {
    maxAttempts: settings.max_attempts,
    baseDelayMs: Math.min(baseDelayMs, settings.max_retry_wait_ms),
    maxWaitMs: settings.max_retry_wait_ms,
  };
}

/**
 * Returns the limiter shared by every sync on the account `accountKey` names in this process,
 * with the settings' rate and concurrency.
 */
export function requestLimiter(
  accountKey: string,
  settings: Pick<RequestSettings, 'max_requests_per_second' | 'max_concurrency'>,
): AccountLimiter {
  return accountLimiter(accountKey, {
    maxRequestsPerSecond: settings.max_requests_per_second,
    maxConcurrency: settings.max_concurrency,
  });
}
