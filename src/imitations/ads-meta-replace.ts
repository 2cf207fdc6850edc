/**
 * Replace sessions of the Meta imitation (meta.ts): `POST /{audience_id}/usersreplace` uploads
 * the new membership of an audience in batches that share a `session_id`, numbered by
 * `batch_seq` from 1, and the batch with `last_batch_flag: true` swaps the audience for the
 * uploaded rows. Until then the audience keeps its members. Meta's replace guide states that no
 * add or remove may run on the audience while a replace is open, and that a replace abandoned
 * for about 90 minutes is dropped. Meta does not document its errors for these cases, so the
 * imitation's codes and messages are its own.
 */
import type { AdsResponse } from './ads-imitation-server.js';
import { graphError } from './ads-meta-request.js';

/** A session as a /usersreplace body names it. */
export interface SessionFields {
  sessionId: number;
  batchSeq: number;
  last: boolean;
}

interface OpenReplace {
  sessionId: number;
  lastBatchSeq: number;
  /** Audience entries of every valid row uploaded so far, one list per row. */
  rows: string[][];
  lastBatchAt: number;
}

/** Default time after its last batch at which an unfinished replace is dropped. */
export const REPLACE_TIMEOUT_MS = 90 * 60_000;

/** Graph error code for an audience that cannot take the request; Meta uses 2650 for uploads it refuses. */
const AUDIENCE_BUSY_CODE = 2650;

export class ReplaceSessions {
  readonly #open = new Map<string, OpenReplace>();
  readonly #timeoutMs: number;

  constructor(timeoutMs = REPLACE_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
  }

  /** Returns the error for an add or remove while a replace of the audience is open, if one is. */
  blockedUpdate(audienceId: string, now: number): AdsResponse | undefined {
    if (!this.#current(audienceId, now)) return undefined;
    return graphError(
      400,
      AUDIENCE_BUSY_CODE,
      'A replace session is in progress for this audience; add and remove are not allowed until it ends',
    );
  }

  /**
   * Checks that a batch continues the audience's replace, or starts one with batch_seq 1.
   * Returns the error to send, or undefined when the batch may be applied.
   */
  checkBatch(audienceId: string, session: SessionFields, now: number): AdsResponse | undefined {
    const open = this.#current(audienceId, now);
    if (!open) {
      if (session.batchSeq === 1) return undefined;
      return graphError(400, 100, `Replace session ${session.sessionId} is not open; its first batch must have batch_seq 1`);
    }
    if (open.sessionId !== session.sessionId) {
      return graphError(
        400,
        AUDIENCE_BUSY_CODE,
        `Replace session ${open.sessionId} is in progress for this audience; finish it or wait until it expires`,
      );
    }
    const expected = open.lastBatchSeq + 1;
    if (session.batchSeq !== expected) {
      return graphError(400, 100, `batch_seq ${session.batchSeq} is out of order; the session expects ${expected}`);
    }
    return undefined;
  }

  /**
   * Adds a checked batch's valid rows to the session. Returns the audience's new entries when
   * the batch was the last, or undefined while the session stays open.
   */
  addBatch(audienceId: string, session: SessionFields, rows: string[][], now: number): string[][] | undefined {
    const open = this.#current(audienceId, now) ?? { sessionId: session.sessionId, lastBatchSeq: 0, rows: [], lastBatchAt: now };
    open.lastBatchSeq = session.batchSeq;
    open.lastBatchAt = now;
    open.rows.push(...rows);
    if (session.last) {
      this.#open.delete(audienceId);
      return open.rows;
    }
    this.#open.set(audienceId, open);
    return undefined;
  }

  /** The audience's open replace, dropping it when it timed out. */
  #current(audienceId: string, now: number): OpenReplace | undefined {
    const open = this.#open.get(audienceId);
    if (open && now - open.lastBatchAt > this.#timeoutMs) {
      this.#open.delete(audienceId);
      return undefined;
    }
    return open;
  }
}
