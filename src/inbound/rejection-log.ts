import type { Logger } from '../core/logger.js';

/** At most one `inbound.signature_rejected` event per this many ms, so a flood cannot fill the log. */
const LOG_INTERVAL_MS = 60_000;

export type RejectionReason = 'missing' | 'mismatch';

/**
 * Logs requests rejected for their signature. The first is logged at once, later ones at most
 * once a minute with the count since the last event.
 */
export class RejectionLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  #lastLoggedAt: number | undefined;
  #unlogged = 0;

  constructor(logger: Logger, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  record(reason: RejectionReason): void {
    this.#unlogged += 1;
    const now = this.#now();
    if (this.#lastLoggedAt !== undefined && now - this.#lastLoggedAt < LOG_INTERVAL_MS) return;

    this.#logger.log('warn', 'inbound.signature_rejected', {
      reason: reason === 'missing' ? 'no X-Twilio-Signature header' : 'X-Twilio-Signature does not match',
      rejectedSinceLastEvent: this.#unlogged,
    });
    this.#lastLoggedAt = now;
    this.#unlogged = 0;
  }
}
