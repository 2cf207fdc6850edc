import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its heap grow past the memory that survived the last full collection before
 * it collects again: 50 means 1.5 times. By default V8 picks a factor of up to 4, which suits
 * programs that keep their objects. A sync keeps almost none: each page of rows becomes garbage
 * once its batch is sent, and at a factor of 4 that garbage reached 90 MB in a sync of 1M rows
 * that held 30 MB alive. At 1.5 it stays near 15 MB, at the cost of more frequent collections
 * (5 to 10% of a large sync's time; see docs/benchmarks.md).
 */
const SYNC_HEAP_GROWING_PERCENT = 50;
/** V8's own value: 0 lets V8 choose the factor. */
const DEFAULT_HEAP_GROWING_PERCENT = 0;

let activeSyncs = 0;

/**
 * Runs `work` with V8's heap growth held to SYNC_HEAP_GROWING_PERCENT. The setting belongs to
 * the process, so syncs that overlap share it, and the last to finish restores V8's default.
 * The flag takes effect from the next full collection: the benchmark's syncs measured the heap
 * staying under 60 MB where it had reached 120 MB.
 * NOTE: a process started with its own --heap-growing-percent has it replaced here.
 */
export async function withLeanHeap<T>(work: () => Promise<T>): Promise<T> {
  if (activeSyncs === 0) setFlagsFromString(`--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`);
  activeSyncs += 1;
  try {
    return await work();
  } finally {
    activeSyncs -= 1;
    if (activeSyncs === 0) setFlagsFromString(`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
  }
}
