/**
 * A warehouse the conformance suite runs against. Each target gives the `warehouse:` section of
 * a test project and the environment it needs, and the suite does the rest through the engine.
 * The suite loads its source tables without a schema, so the connection's default schema (or
 * dataset) must be one that `warehouseYaml(id)` isolates too.
 */
export interface WarehouseTarget {
  name: 'duckdb' | 'snowflake' | 'bigquery';
  /** Set when the warehouse cannot run here (emulator missing); suites skip with this text. */
  skipReason: string | undefined;
  /** The `warehouse:` value for sluice.yml as a YAML flow mapping, e.g. `{ type: duckdb, path: .sluice/w.duckdb }`, isolated by `id` (a fresh database/schema/dataset per test project). */
  warehouseYaml(id: string): string;
  /** Environment variables the project needs (credentials referenced as ${VAR} in warehouseYaml). */
  env: Record<string, string>;
}
