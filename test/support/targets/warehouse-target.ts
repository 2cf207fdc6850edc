export interface WarehouseTarget {
  name: 'duckdb' | 'snowflake' | 'bigquery';
  /** Set when the warehouse cannot run here (emulator missing); suites skip with this text. */
  skipReason: string | undefined;
  /** The `warehouse:` value for sluice.yml as a YAML flow mapping, e.g. `{ type: duckdb, path: .sluice/w.duckdb }`, isolated by `id` (a fresh database/schema/dataset per test project). */
  warehouseYaml(id: string): string;
  /** Environment variables the project needs (credentials referenced as ${VAR} in warehouseYaml). */
  env: Record<string, string>;
}
