/**
 * The state of one replace of a Meta custom audience, for a run that sends every current row
 * (`--full`). Every batch of adds goes to `POST /{audience_id}/usersreplace` in one session:
 * the same `session_id`, `batch_seq` counting from 1, and `last_batch_flag: true` only on a
 * closing batch, which the destination sends once the engine has delivered every batch. Meta
 * swaps the audience's members for the uploaded rows when that closing batch arrives, and
 * drops a replace left unfinished for about 90 minutes, so an unfinished replace changes
 * nothing. No add or remove may run on the audience while its replace is open.
 * NOTE: these rules come from Meta's replace guide and were not checked against a live account;
 * the errors Meta returns when they are broken are not known.
 */
import type { ChangeRecord, RowOutcome } from '../destination.js';
import type { MetaIdentifiers } from '../identifiers/meta-identifiers.js';
import { type MetaSession, newSessionId } from './meta-payload.js';

/** Operations whose rows the replace uploads; removed rows are left out, which drops them. */
const UPLOADED_OPERATIONS = new Set(['add', 'upsert']);

export class MetaReplaceSession {
  readonly sessionId = newSessionId();
  /** batch_seq of the last batch Meta accepted; a refused batch does not use up its number. */
  #batchSeq = 0;
  #rowsSent = 0;
  #lastRow: MetaIdentifiers | undefined;
  #failure: string | undefined;
  /** Keys of uploaded rows whose latest outcome was `retry`, so the upload misses them. */
  readonly #unsettled = new Set<string>();

  /** Whether Meta accepted a batch of this replace, which makes it refuse adds and removes. */
  get opened(): boolean {
    return this.#batchSeq > 0;
  }

  /** Returns the session of the next batch, which is never the last. */
  nextBatch(): MetaSession {
    return this.#session(this.#batchSeq + 1, false);
  }

  /** Records that Meta accepted the next batch, holding `rows`. */
  accepted(rows: MetaIdentifiers[]): void {
    this.#batchSeq += 1;
    this.#rowsSent += rows.length;
    this.#lastRow = rows[rows.length - 1] ?? this.#lastRow;
  }

  /**
   * Returns the batch that ends the replace: the last row already uploaded, sent again with
   * `last_batch_flag: true`. The engine hands over batches without saying which is the last, and
   * Meta takes no empty batch, so the closing batch repeats a row. A repeated row changes nothing.
   */
  closingBatch(): { rows: MetaIdentifiers[]; session: MetaSession } | undefined {
    if (this.#lastRow === undefined) return undefined;
    return { rows: [this.#lastRow], session: this.#session(this.#batchSeq + 1, true) };
  }

  /** Records the outcomes of a write, so that the replace is not finished while rows are missing. */
  track(records: ChangeRecord[], outcomes: RowOutcome[]): void {
    records.forEach((record, index) => {
      if (!UPLOADED_OPERATIONS.has(record.operation)) return;
      if (outcomes[index]?.status === 'retry') this.#unsettled.add(record.key);
      else this.#unsettled.delete(record.key);
    });
  }

  /** Marks the replace as failed, for example after a write threw. */
  fail(reason: string): void {
    this.#failure ??= reason;
  }

  /**
   * Returns why the replace must not be finished, or undefined when every batch went through.
   * Finishing it then would drop the people whose rows were not uploaded.
   */
  unfinishedReason(aborted: boolean): string | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (aborted) return 'the run was interrupted before every row was uploaded';
    if (this.#unsettled.size > 0) return `${this.#unsettled.size} rows were not confirmed by Meta`;
    return undefined;
  }

  #session(batchSeq: number, last: boolean): MetaSession {
    return {
      session_id: this.sessionId,
      batch_seq: batchSeq,
      last_batch_flag: last,
      // NOTE: the destination does not know how many rows the run will send, so the estimate is
      // the count uploaded so far.
      estimated_num_total: this.#rowsSent,
    };
  }
}
