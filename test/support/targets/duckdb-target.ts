import type { WarehouseTarget } from './warehouse-target.js';

/** The embedded DuckDB warehouse: one database file per test project, inside its folder. */
export const duckdbTarget: WarehouseTarget = {
  name: 'duckdb',
  skipReason: undefined,
  warehouseYaml(id) {
    return `{ type: duckdb, path: .sluice/${id}.duckdb }`;
  },
  env: {},
};
