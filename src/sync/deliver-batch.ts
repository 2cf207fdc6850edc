import type { ChangeRecord, Destination, RowOutcome } from '../destinations/destination.js';

export interface DeliveryPolicy {
  /** Attempts per row for `retry` outcomes within one run. */
  maxAttempts: number;
  /** Longest wait before a retry, whatever the destination requests. */
  maxRetryWaitMs: number;
  signal?: AbortSignal;
}

const BASE_BACKOFF_MS = 500;

/**
 * Writes a batch and re-sends the rows the destination asked to retry, waiting as long as it
 * asked (within the policy's cap). Rows whose outcome is unknown are never re-sent. Returns one
 * final outcome per record, in order. `outcomes` is filled in after each attempt, so a caller
 * whose call threw can still read what the earlier attempts settled.
 */
export async function deliverBatch(
  destination: Destination,
  records: ChangeRecord[],
  policy: DeliveryPolicy,
  outcomes: (RowOutcome | undefined)[] = new Array(records.length),
): Promise<RowOutcome[]> {
  let pending = records.map((_record, index) => index);

  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const results = await destination.write(pending.map((index) => records[index]!));
    if (results.length !== pending.length) {
      throw new Error(`destination returned ${results.length} outcomes for ${pending.length} rows; a connector must return one per row`);
    }

    const retry: number[] = [];
    let waitMs = 0;
    results.forEach((outcome, position) => {
      const index = pending[position]!;
      outcomes[index] = outcome;
      if (outcome.status === 'retry' && !outcome.outcomeUnknown && attempt < policy.maxAttempts) {
        retry.push(index);
        waitMs = Math.max(waitMs, outcome.retryAfterMs ?? BASE_BACKOFF_MS * 2 ** (attempt - 1));
      }
    });

    if (retry.length === 0 || policy.signal?.aborted) break;
    await sleep(Math.min(waitMs, policy.maxRetryWaitMs), policy.signal);
    pending = retry;
  }
  return outcomes as RowOutcome[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
