import { sleep } from './backoff.js';

export interface AccountLimits {
  /** Request starts per second, spaced evenly; undefined for no rate limit. */
  maxRequestsPerSecond?: number;
  /** Requests in flight at once. */
  maxConcurrency: number;
}

/** Releases a slot taken by `AccountLimiter.acquire`. Calling it more than once has no effect. */
export type ReleaseSlot = () => void;

/** How long a rate learned from throttle responses applies before the configured rate is tried again. */
const LEARNED_RATE_TTL_MS = 60_000;
/** Share of the learned rate that is used, so that jitter in request timing rarely exceeds the quota. */
const LEARNED_RATE_MARGIN = 0.98;
/**
 * Accepted request starts kept for learning the rate; older ones are dropped. A quota that admits
 * more requests per window than this cannot be measured, so it is never learned (see `throttled`).
 */
const MAX_ACCEPTED_STARTS = 10_000;

/**
 * The request budget of one destination account in this process. It allows at most
 * `maxConcurrency` requests in flight and spaces request starts at least 1/`maxRequestsPerSecond`
 * seconds apart. After a throttle response that names a wait, every request waits it out, and
 * the limiter lowers its rate to what the server accepted (see `throttled`). Other processes
 * writing to the same account have their own budget.
 */
export class AccountLimiter {
  #limits: AccountLimits;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #nextStartAt = 0;
  #pausedUntil = 0;
  /** Start times of recent requests the server did not throttle, oldest first. */
  readonly #acceptedStarts: number[] = [];
  #learnedRate: number | undefined;
  #learnedUntil = 0;

  constructor(limits: AccountLimits) {
    this.#limits = { ...limits };
  }

  get limits(): AccountLimits {
    return { ...this.#limits };
  }

  /** Request starts per second in force: a rate learned from throttles, else the configured one. */
  get requestsPerSecond(): number | undefined {
    return this.#currentRate(Date.now());
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

  /** Records that a request started at `startedAt` got a response that was not a throttle. */
  accepted(startedAt: number): void {
    this.#acceptedStarts.push(startedAt);
    // Trimming in bulk keeps each call O(1) on average.
    if (this.#acceptedStarts.length >= 2 * MAX_ACCEPTED_STARTS) {
      this.#acceptedStarts.splice(0, this.#acceptedStarts.length - MAX_ACCEPTED_STARTS);
    }
  }

  /**
   * Pauses every request start for `waitMs`, after the server throttled a request and named
   * that wait, and lowers the request rate to the one the server accepted. A quota of L requests
   * per window admits the next request one window after the oldest of the last L it accepted.
   * So k accepted starts since time s, with the next one admitted at `now + waitMs`, show a rate
   * of k / (now + waitMs - s). The estimate is the highest such rate over the recent accepted
   * starts, so that an idle spell before a burst does not drag it down. When the highest rate
   * counts every start kept, the window may hold more than were kept, so nothing is learned.
   * The rate only goes down, and returns to the configured one a minute after the last throttle.
   */
  throttled(waitMs: number): void {
    const now = Date.now();
    this.pause(waitMs);

    const starts = this.#acceptedStarts.slice(-MAX_ACCEPTED_STARTS);
    const admitAt = now + waitMs;
    let estimate: number | undefined;
    let estimateCount = 0;
    starts.forEach((start, index) => {
      const count = starts.length - index;
      const seconds = (admitAt - start) / 1_000;
      if (seconds > 0 && count / seconds > (estimate ?? 0)) {
        estimate = count / seconds;
        estimateCount = count;
      }
    });
    if (estimate === undefined || estimateCount >= MAX_ACCEPTED_STARTS) return;

    const current = this.#currentRate(now);
    const learned = estimate * LEARNED_RATE_MARGIN;
    this.#learnedRate = current === undefined ? learned : Math.min(current, learned);
    this.#learnedUntil = now + LEARNED_RATE_TTL_MS;
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
    const rate = this.#currentRate(Date.now());
    return rate === undefined ? 0 : 1_000 / rate;
  }

  /** The learned rate while it applies, else the configured one; undefined for no limit. */
  #currentRate(now: number): number | undefined {
    if (this.#learnedRate !== undefined && now < this.#learnedUntil) return this.#learnedRate;
    this.#learnedRate = undefined;
    return this.#limits.maxRequestsPerSecond;
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
