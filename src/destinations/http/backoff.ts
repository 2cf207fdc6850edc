export interface BackoffPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Delay before the second attempt, doubled for each one after it. */
  baseDelayMs: number;
  /** Maximum single wait, for backoff and for a server's Retry-After alike. */
  maxWaitMs: number;
}

/**
 * Returns the wait before attempt `attempt + 1` after `attempt` failures without a Retry-After:
 * exponential backoff with "equal jitter" (half of the capped delay fixed, half random), so
 * waits grow with each failure while clients that failed together spread out.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxWaitMs, exponential);
  return Math.round(capped / 2 + random() * (capped / 2));
}

/**
 * Returns the wait for a Retry-After of `retryAfterMs`, plus up to 10 % (at most 1 s) of random
 * jitter, so that clients given the same time do not all retry at once.
 */
export function retryAfterDelayMs(retryAfterMs: number, random: () => number = Math.random): number {
  return Math.round(retryAfterMs + random() * Math.min(1_000, retryAfterMs * 0.1));
}

/**
 * Parses a Retry-After header (RFC 9110, section 10.2.3): a number of seconds or an HTTP-date.
 * Returns milliseconds from `now`, 0 for a date in the past, or undefined when the header is
 * missing or invalid.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;

  if (/^\d+$/.test(text)) return Number(text) * 1_000;

  // All three HTTP-date formats start with a day name; this keeps Date.parse from reading "1.5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms` milliseconds. Resolves false at once when `signal` aborts, true otherwise. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
