import type { ChangeRecord, RowOutcome } from './destination.js';
import { rejected, worseOutcome } from './http/outcomes.js';

/**
 * The steps one `write` call of a multi-request connector runs, such as removals before
 * upserts. A record may take part in several steps, and then gets the worst of their outcomes
 * (see worseOutcome), so it counts as delivered only when every step succeeded.
 */
export class StepPlan<Step extends string> {
  readonly #order: readonly Step[];
  readonly #entries: Map<Step, { position: number; record: ChangeRecord }[]>;
  readonly #outcomes: (RowOutcome | undefined)[];

  /** `order` is the order the steps run in. `size` is the number of records in the call. */
  constructor(order: readonly Step[], size: number) {
    this.#order = order;
    this.#entries = new Map(order.map((step) => [step, []]));
    this.#outcomes = new Array(size);
  }

  /** Adds the record at `position` to `step`, which receives `record` in call order. */
  add(step: Step, position: number, record: ChangeRecord): void {
    this.#entries.get(step)!.push({ position, record });
  }

  /** Rejects the record at `position` without running any step for it. */
  reject(position: number, reason: string): void {
    this.#outcomes[position] = rejected(reason);
  }

  /**
   * Runs each step that has records, in order, and returns one outcome per record of the call.
   * `runStep` must return one outcome per record it receives, in the same order.
   */
  async run(
    runStep: (step: Step, records: ChangeRecord[]) => Promise<RowOutcome[]>,
  ): Promise<RowOutcome[]> {
    for (const step of this.#order) {
      const entries = this.#entries.get(step)!;
      if (entries.length === 0) continue;
      const results = await runStep(
        step,
        entries.map((entry) => entry.record),
      );
      entries.forEach(({ position }, index) => {
        this.#outcomes[position] = worseOutcome(this.#outcomes[position], results[index]!);
      });
    }
    return this.#outcomes as RowOutcome[];
  }
}
