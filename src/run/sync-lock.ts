import type { StateStore } from '../state/store.js';

const LEASE_MS = 60_000;
const RENEW_EVERY_MS = 20_000;

export interface HeldLock {
  release(): Promise<void>;
  /** True once a renewal failed: another process may now hold the lock. */
  readonly lost: boolean;
}

/**
 * Takes the per-sync lock, renewing its lease while the sync runs. Returns undefined when
 * another run has it. A crashed holder's lease expires after a minute and is taken over.
 */
export async function acquireSyncLock(
  store: StateStore,
  sync: string,
  owner: string,
  runId: string,
): Promise<HeldLock | undefined> {
  const name = `sync:${sync}`;
  const lease = await store.acquireLock(name, owner, runId, LEASE_MS);
  if (!lease) return undefined;

  let lost = false;
  const timer = setInterval(() => {
    store.renewLock(name, owner, LEASE_MS).then(
      (renewed) => {
        if (!renewed) lost = true;
      },
      () => {
        lost = true;
      },
    );
  }, RENEW_EVERY_MS);
  timer.unref();

  return {
    get lost() {
      return lost;
    },
    async release() {
      clearInterval(timer);
      await store.releaseLock(name, owner);
    },
  };
}
