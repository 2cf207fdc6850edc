import { StateError } from '../../src/core/errors.js';
import type { StateStore } from '../../src/state/store.js';

type StoreMethod = {
  [K in keyof StateStore]: StateStore[K] extends (...args: any[]) => Promise<unknown> ? K : never;
}[keyof StateStore];

export interface FailingStateStore {
  store: StateStore;
  /** How many times `method` was called so far, failed calls included. */
  readonly calls: number;
  /** How many of those calls failed. */
  readonly failures: number;
}

/**
 * Wraps a state store so that the listed calls of `method` (counted from 1) throw a StateError
 * without reaching the database, as a lost connection or a full disk would. Every other call
 * goes to the wrapped store.
 */
export function failStoreCalls(inner: StateStore, method: StoreMethod, failingCalls: number[] = [1]): FailingStateStore {
  let calls = 0;
  let failures = 0;
  const store = new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        calls += 1;
        if (failingCalls.includes(calls)) {
          failures += 1;
          throw new StateError(`Failed to ${method} (call ${calls}): injected failure, connection lost`);
        }
        return (value as (...callArgs: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return {
    store,
    get calls() {
      return calls;
    },
    get failures() {
      return failures;
    },
  };
}
