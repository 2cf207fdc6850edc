/**
 * A request quota for the imitations: at most `limit` requests in any window of `windowMs`
 * milliseconds, as quotas counted per minute or per second are. A request over the quota is
 * refused with the time until the oldest counted request leaves the window, which is when the
 * next one would be admitted.
 */
export interface RateWindowOptions {
  limit: number;
  windowMs: number;
}

export class RateWindow {
  readonly limit: number;
  readonly windowMs: number;
  /** Arrival times of the admitted requests still inside the window, oldest first. */
  readonly #admitted: number[] = [];

  constructor(options: RateWindowOptions) {
    if (!(options.limit >= 1 && Number.isInteger(options.limit))) {
      throw new Error(`invalid rate limit ${options.limit}: use a whole number of requests, 1 or more`);
    }
    if (!(options.windowMs > 0)) {
      throw new Error(`invalid rate window ${options.windowMs} ms: use a duration above 0`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
  }

  /**
   * Counts a request arriving at `now` when the quota has room, and returns 0. Otherwise it
   * counts nothing and returns the milliseconds until the quota has room again.
   */
  admit(now: number): number {
    while (this.#admitted.length > 0 && this.#admitted[0]! <= now - this.windowMs) {
      this.#admitted.shift();
    }
    if (this.#admitted.length < this.limit) {
      this.#admitted.push(now);
      return 0;
    }
    return this.#admitted[0]! + this.windowMs - now;
  }
}
