import { sleep } from './backoff.js';

export interface AccountLimits {
  /** Request starts per second, spaced evenly; undefined for no rate limit. */
  maxRequestsPerSecond?: number;
  /** Requests in flight at once. */
  maxConcurrency: number;
}

/** Releases a slot taken by `AccountLimiter.acquire`. Calling it more than once has no effect. */
export type ReleaseSlot = () => void;

/**
 * The request budget of one destination account in this process. It allows at most
 * `maxConcurrency` requests in flight and spaces request starts at least 1/`maxRequestsPerSecond`
 * seconds apart. After a response with Retry-After, every request waits out the pause. Other
 * processes writing to the same account have their own budget.
 */
export class AccountLimiter {
  #limits: AccountLimits;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #nextStartAt = 0;
  #pausedUntil = 0;

  constructor(limits: AccountLimits) {
    this.#limits = { ...limits };
  }

  get limits(): AccountLimits {
    return { ...this.#limits };
  }

  /** Applies the lower of the current and the given limits. */
  tighten(limits: AccountLimits): void {
    const rates = [this.#limits.maxRequestsPerSecond, limits.maxRequestsPerSecond];
    const defined = rates.filter((rate): rate is number => rate !== undefined);
    this.#limits = {
      maxRequestsPerSecond: defined.length > 0 ? Math.min(...defined) : undefined,
      maxConcurrency: Math.min(this.#limits.maxConcurrency, limits.maxConcurrency),
    };
  }

  /** Holds back every request start until `ms` milliseconds from now. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  /**
   * Waits until a request may start: a concurrency slot is free and the rate limit and any pause
   * allow it. Returns the function that frees the slot, or undefined when `signal` aborted first.
   */
  async acquire(signal?: AbortSignal): Promise<ReleaseSlot | undefined> {
    if (!(await this.#takeConcurrencySlot(signal))) return undefined;

    const release = this.#releaseOnce();
    for (;;) {
      const now = Date.now();
      const startAt = Math.max(now, this.#nextStartAt, this.#pausedUntil);
      if (startAt <= now) {
        this.#nextStartAt = now + this.#spacingMs();
        return release;
      }

      if (!(await sleep(startAt - now, signal))) {
        release();
        return undefined;
      }
    }
  }

  #spacingMs(): number {
    const rate = this.#limits.maxRequestsPerSecond;
    return rate === undefined ? 0 : 1_000 / rate;
  }

  #takeConcurrencySlot(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#active < this.#limits.maxConcurrency) {
      this.#active += 1;
      return Promise.resolve(true);
    }

    return new Promise((resolve) => {
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        resolve(false);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#active += 1;
        resolve(true);
      };
      this.#waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaseOnce(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#grantWaiting();
    };
  }

  #grantWaiting(): void {
    while (this.#active < this.#limits.maxConcurrency && this.#waiting.length > 0) {
      this.#waiting.shift()?.();
    }
  }
}

const limiters = new Map<string, AccountLimiter>();

/**
 * Returns the limiter shared by every destination opened with `accountKey` in this process,
 * creating it on first use. When two configs of one account disagree, the lower limits apply.
 */
export function accountLimiter(accountKey: string, limits: AccountLimits): AccountLimiter {
  const existing = limiters.get(accountKey);
  if (existing) {
    existing.tighten(limits);
    return existing;
  }

  const limiter = new AccountLimiter(limits);
  limiters.set(accountKey, limiter);
  return limiter;
}
