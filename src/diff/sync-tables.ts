import type { TableRef } from '../warehouse/table-ref.js';

/** Tables Sluice keeps in the warehouse's internal schema for one sync. */
export interface SyncTables {
  /** Current snapshot of what was delivered, for the current mapping version. */
  snapshot: TableRef;
  /** The plan: rows that differ from the snapshot, with the operation each gets. */
  diff: TableRef;
  /** Keys of the rows that may differ from the snapshot; dropped once `diff` exists. */
  diffKeys: TableRef;
  /** The diff's rows before they are numbered into `diff`; dropped once `diff` exists. */
  diffRows: TableRef;
  /** Keys the destination did not confirm during the current run. */
  failed: TableRef;
}

/** One row per snapshot version of each sync: which table contains it and which fields it has. */
export function snapshotRegistry(schema: string): TableRef {
  return { schema, name: 'snapshot_versions' };
}

export function syncTables(schema: string, sync: string, mappingVersion: string): SyncTables {
  return {
    snapshot: { schema, name: `snapshot__${sync}__${mappingVersion}` },
    diff: { schema, name: `diff__${sync}` },
    diffKeys: { schema, name: `diff_keys__${sync}` },
    diffRows: { schema, name: `diff_rows__${sync}` },
    failed: { schema, name: `failed__${sync}` },
  };
}

/** Column of the snapshot and diff tables that contains mapped field number `index`. */
export function fieldColumn(prefix: 'f' | 'n' | 'o', index: number): string {
  return `${prefix}${index}`;
}
