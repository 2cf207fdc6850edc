/**
 * The outcome of ingest and remove requests, read with `GET /v1/requestStatus:retrieve` and the
 * request's `requestId`. The response contains one status per destination of the request:
 * PROCESSING until Google has processed it, then SUCCESS, PARTIAL_SUCCESS or FAILED, with the
 * failed records counted per reason in `errorInfo.errorCounts`. It never names the members that
 * failed. Google suggests polling with exponential backoff, and processing takes from about 30
 * minutes to 24 hours (https://developers.google.cn/data-manager/api/devguides/diagnostics).
 */
import { sleep } from '../http/backoff.js';
import { parseJsonObject, platformText } from '../identifiers/audience-write.js';

export type RequestState = 'processing' | 'success' | 'partial_success' | 'failed';

export interface RequestStatus {
  state: RequestState;
  /** Failed records per reason, such as "PROCESSING_ERROR_REASON_INVALID_HASH: 3 records". */
  errors: string[];
}

/** States by the RequestStatus enum; REQUEST_STATUS_UNKNOWN and unknown values count as processing. */
const STATES: Record<string, RequestState> = {
  PROCESSING: 'processing',
  SUCCESS: 'success',
  PARTIAL_SUCCESS: 'partial_success',
  FAILED: 'failed',
};

/**
 * Reads a RetrieveRequestStatusResponse. The request is failed when any destination failed,
 * processing while any still processes, and partly successful when any destination was.
 * Returns undefined for a body without `requestStatusPerDestination`.
 */
export function readRequestStatus(body: string): RequestStatus | undefined {
  const destinations = parseJsonObject(body)?.requestStatusPerDestination;
  if (!Array.isArray(destinations) || destinations.length === 0) return undefined;

  const states = new Set<RequestState>();
  const errors: string[] = [];
  for (const destination of destinations as Record<string, unknown>[]) {
    states.add(STATES[String(destination?.requestStatus)] ?? 'processing');
    errors.push(...readErrorCounts(destination?.errorInfo));
  }

  let state: RequestState = 'success';
  if (states.has('partial_success')) state = 'partial_success';
  if (states.has('processing')) state = 'processing';
  if (states.has('failed')) state = 'failed';
  return { state, errors };
}

function readErrorCounts(errorInfo: unknown): string[] {
  const counts = (errorInfo as Record<string, unknown> | null | undefined)?.errorCounts;
  if (!Array.isArray(counts)) return [];
  return counts.map((count: Record<string, unknown>) => {
    const reason = typeof count.reason === 'string' ? platformText(count.reason) : 'no reason given';
    // recordCount is an int64, which the JSON mapping writes as a string.
    return `${reason}: ${String(count.recordCount ?? 'an unknown number of')} records`;
  });
}

export interface PollOptions {
  /** Maximum time to keep polling, in milliseconds. */
  waitMs: number;
  /** Wait before the second round of polls, doubled after each round. */
  intervalMs: number;
  /** Reads one request's status, or undefined when the retrieve call failed. */
  retrieve: (requestId: string) => Promise<RequestStatus | undefined>;
  signal?: AbortSignal;
}

/**
 * Polls every request until it is no longer processing or `waitMs` has passed. Returns the final
 * statuses by request ID and the IDs still processing (or unreadable) at the end.
 */
export async function pollRequestStatuses(
  requestIds: string[],
  options: PollOptions,
): Promise<{ finished: Map<string, RequestStatus>; unfinished: string[] }> {
  const finished = new Map<string, RequestStatus>();
  const deadline = Date.now() + options.waitMs;
  let pending = [...requestIds];
  let delayMs = options.intervalMs;

  for (;;) {
    for (const requestId of pending) {
      const status = await options.retrieve(requestId);
      if (status !== undefined && status.state !== 'processing') finished.set(requestId, status);
    }
    pending = pending.filter((requestId) => !finished.has(requestId));

    const remainingMs = deadline - Date.now();
    if (pending.length === 0 || remainingMs <= 0) break;
    if (!(await sleep(Math.min(delayMs, remainingMs), options.signal))) break;
    delayMs *= 2;
  }
  return { finished, unfinished: pending };
}
