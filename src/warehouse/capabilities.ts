/**
 * Capabilities of a warehouse. Engines branch on these flags, never on the warehouse's name; a new
 * flag gets a safe default here so that existing adapters keep working.
 */
export interface WarehouseCapabilities {
  /** Multi-statement transactions that make a snapshot commit atomic. */
  supportsTransactions: boolean;
  /**
   * DDL such as `CREATE OR REPLACE TABLE` joins an open transaction instead of committing it
   * first, so `atomically` may replace tables.
   */
  supportsTransactionalDdl: boolean;
  /** `read_csv`-style access to local files, so a source may be a file next to the project. */
  readsLocalFiles: boolean;
  /** `MERGE` statements. */
  supportsMerge: boolean;
  /** Several statements may run at once on separate connections. */
  supportsConcurrentQueries: boolean;
}

export const defaultCapabilities: WarehouseCapabilities = {
  supportsTransactions: false,
  supportsTransactionalDdl: false,
  readsLocalFiles: false,
  supportsMerge: false,
  supportsConcurrentQueries: false,
};
