/**
 * Finds the rows behind a rejection that a platform reports for a request as a whole, so that
 * one bad row is rejected alone and the others are delivered. It relies on adds and removals
 * being set operations on every platform here: sending a row twice has the same effect as once.
 */
import type { LogFields, Logger } from '../../core/logger.js';
import type { RowOutcome } from '../destination.js';

/**
 * The verdict of one request on one row. It is a final outcome, or `resend` when the platform
 * rejected the request because of other rows and did not apply this one. It is `suspect` when
 * the platform rejected or miscounted a group of rows containing this one without naming rows.
 */
export type RowVerdict = RowOutcome | 'resend' | 'suspect';

export interface GroupVerdicts {
  /** One verdict per row sent, in order. */
  verdicts: RowVerdict[];
  /** Reason the suspect rows may have failed, required when any verdict is `suspect`. */
  suspectReason?: string;
  /**
   * True when the platform rejected the request as a whole, which a bad audience ID can cause as
   * well as a bad row. Only such rejections count towards blaming the request rather than a row
   * (see SYSTEMATIC_AFTER_REQUESTS).
   */
  rejectedWhole?: boolean;
}

export interface IsolationOptions {
  /** Requests allowed beyond the first, to resend rows or split suspect groups. */
  maxExtraRequests: number;
  /**
   * Reasons already blamed on the request rather than on rows. A group rejected for one of them
   * is rejected without a search, and a search that blames the request adds its reason here.
   * Destinations keep one set for their lifetime, so a broken sync spends the search once.
   */
  systematicReasons: Set<string>;
  logger: Logger;
  logFields: LogFields;
}

/**
 * Requests allowed beyond the first per group of rows. Finding one bad row among 10,000 by
 * halving takes about 2 x log2(10,000), 27 requests; this allows that and a little more.
 */
export const DEFAULT_MAX_EXTRA_REQUESTS = 30;

/**
 * When the first seven requests of a search (the batch, its halves, and two levels further
 * down one branch) were all rejected as a whole for the same reason, the request is blamed.
 * Fewer than four bad rows cannot cause that, because some group on the way would succeed.
 */
export const SYSTEMATIC_AFTER_REQUESTS = 7;

/**
 * Sends `items` with `send` and returns one final outcome per item. Resend rows go out again as
 * one group. A suspect group is halved and each half sent until every suspect row is sent
 * alone, and a row that fails alone is rejected with the platform's reason. When the extra
 * requests run out, resend rows are returned as `retry` and suspect rows as rejected.
 */
export async function sendIsolatingRejections<T>(
  items: T[],
  send: (group: T[]) => Promise<GroupVerdicts>,
  options: IsolationOptions,
): Promise<RowOutcome[]> {
  const search = new RejectionSearch(items, send, options);
  const all = items.map((_item, index) => index);
  await search.apply(all, await search.send(all));
  return search.outcomes();
}

class RejectionSearch<T> {
  readonly #items: T[];
  readonly #send: (group: T[]) => Promise<GroupVerdicts>;
  readonly #options: IsolationOptions;
  readonly #outcomes: (RowOutcome | undefined)[];
  #budget: number;
  #requests = 0;
  /** Reason every request so far was rejected for as a whole, or null once one was not. */
  #uniformReason: string | null | undefined;

  constructor(items: T[], send: (group: T[]) => Promise<GroupVerdicts>, options: IsolationOptions) {
    this.#items = items;
    this.#send = send;
    this.#options = options;
    this.#outcomes = new Array(items.length).fill(undefined);
    this.#budget = options.maxExtraRequests;
  }

  outcomes(): RowOutcome[] {
    return this.#outcomes.map(
      (outcome) => outcome ?? { status: 'retry', reason: 'the platform reported no outcome' },
    );
  }

  async send(indexes: number[]): Promise<GroupVerdicts> {
    const result = await this.#send(indexes.map((index) => this.#items[index]!));
    this.#requests += 1;
    const reason = wholeRejectionReason(result);
    if (reason === undefined) this.#uniformReason = null;
    else if (this.#uniformReason === undefined) this.#uniformReason = reason;
    else if (this.#uniformReason !== reason) this.#uniformReason = null;
    return result;
  }

  /** Records the final verdicts of a group sent as `indexes` and follows up on the others. */
  async apply(indexes: number[], result: GroupVerdicts): Promise<void> {
    const resend: number[] = [];
    const suspects: number[] = [];
    result.verdicts.forEach((verdict, position) => {
      const index = indexes[position]!;
      if (verdict === 'resend') resend.push(index);
      else if (verdict === 'suspect') suspects.push(index);
      else this.#outcomes[index] = verdict;
    });

    const reason = result.suspectReason ?? 'the platform rejected the request';
    if (suspects.length > 0) await this.#isolate(suspects, reason);
    if (resend.length > 0) await this.#resend(resend);
  }

  async #resend(indexes: number[]): Promise<void> {
    if (this.#budget < 1) {
      this.#settle(indexes, {
        status: 'retry',
        reason:
          'not applied: the platform rejected the request because of other rows, and the ' +
          'extra requests allowed for sending the rest again ran out',
      });
      return;
    }
    this.#budget -= 1;
    await this.apply(indexes, await this.send(indexes));
  }

  async #isolate(indexes: number[], reason: string): Promise<void> {
    if (this.#isSystematic(reason)) {
      this.#settle(indexes, {
        status: 'rejected',
        reason:
          `${reason} (every part of the batch tried failed the same way, so the request, ` +
          'not a row, is the likely cause)',
      });
      return;
    }
    if (indexes.length === 1) {
      this.#settle(indexes, { status: 'rejected', reason });
      return;
    }
    if (this.#budget < 2) {
      this.#settle(indexes, {
        status: 'rejected',
        reason:
          `${reason} (one of ${indexes.length} rows sent together; the extra requests ` +
          'allowed for finding which ran out)',
      });
      return;
    }

    this.#budget -= 2;
    this.#options.logger.log('info', 'destination.isolating_rejected_rows', {
      ...this.#options.logFields,
      rows: indexes.length,
      reason,
    });
    const half = Math.ceil(indexes.length / 2);
    const first = indexes.slice(0, half);
    const second = indexes.slice(half);
    const firstResult = await this.send(first);
    const secondResult = await this.send(second);
    await this.apply(first, firstResult);
    await this.apply(second, secondResult);
  }

  #isSystematic(reason: string): boolean {
    const known = this.#options.systematicReasons;
    if (known.has(reason)) return true;
    if (this.#uniformReason !== reason || this.#requests < SYSTEMATIC_AFTER_REQUESTS) return false;
    known.add(reason);
    return true;
  }

  #settle(indexes: number[], outcome: RowOutcome): void {
    for (const index of indexes) this.#outcomes[index] = { ...outcome };
  }
}

/** Returns why a group was rejected as a whole, or undefined when any row fared otherwise. */
function wholeRejectionReason(result: GroupVerdicts): string | undefined {
  const allSuspect = result.verdicts.every((verdict) => verdict === 'suspect');
  if (result.rejectedWhole !== true || !allSuspect) return undefined;
  return result.suspectReason ?? 'the platform rejected the request';
}
