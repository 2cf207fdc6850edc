import type { SyncMode } from '../config/schema.js';
import type { Operation } from '../destinations/destination.js';

/** Kind of difference between a row and the snapshot of what was last delivered. */
export type ChangeKind = 'added' | 'changed' | 'removed';

/**
 * Action of each sync mode for each kind of change: send it as an operation, or `null` to advance the
 * snapshot without sending (the row is counted as skipped). Removed rows that are not sent leave
 * the snapshot, so a row that comes back later is new again.
 */
export const MODE_OPERATIONS: Record<SyncMode, Record<ChangeKind, Operation | null>> = {
  upsert: { added: 'upsert', changed: 'upsert', removed: null },
  // Added rows only set the baseline: an update-only sync never creates records.
  update: { added: null, changed: 'update', removed: null },
  insert: { added: 'insert', changed: null, removed: null },
  mirror: { added: 'upsert', changed: 'upsert', removed: 'delete' },
  // A changed member is re-added with its new identifiers; `previous` names the old ones.
  audience: { added: 'add', changed: 'add', removed: 'remove' },
  // One message per newly added row; later changes to the row send nothing.
  trigger: { added: 'send', changed: null, removed: null },
};

/** Operations that take rows away from a destination; the removal guard counts these. */
export const REMOVING_OPERATIONS: readonly Operation[] = ['delete', 'remove'];

export function operationsForMode(mode: SyncMode): Operation[] {
  const operations = Object.values(MODE_OPERATIONS[mode]).filter((op): op is Operation => op !== null);
  return [...new Set(operations)];
}
