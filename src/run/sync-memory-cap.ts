import { withLeanHeap } from './lean-heap.js';
import type { RunContext } from './run-context.js';

/**
 * Runs a sync's warehouse work under the warehouse's sync memory cap, where it has one (an
 * embedded DuckDB does), and with Node's heap kept lean whatever the warehouse. A cap lifted for
 * a statement to finish is logged, not raised: the sync still completes, with more memory.
 */
export function underSyncMemoryCap<T>(context: RunContext, sync: string, runId: string | undefined, work: () => Promise<T>): Promise<T> {
  const { warehouse, logger } = context;
  return withLeanHeap(() => {
    if (!warehouse.withSyncMemoryCap) return work();
    return warehouse.withSyncMemoryCap(work, (reason) => logger.log('warn', 'sync.memory_cap_lifted', { runId, sync, reason }));
  });
}
