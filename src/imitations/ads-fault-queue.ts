/** A queue of scripted faults, each used for one request. */
export class FaultQueue<T> {
  readonly #faults: T[] = [];

  push(fault: T, count = 1): void {
    for (let i = 0; i < count; i += 1) this.#faults.push(fault);
  }

  take(): T | undefined {
    return this.#faults.shift();
  }

  get size(): number {
    return this.#faults.length;
  }
}
