import { bigqueryTarget } from './bigquery-target.js';
import { duckdbTarget } from './duckdb-target.js';
import { snowflakeTarget } from './snowflake-target.js';
import type { WarehouseTarget } from './warehouse-target.js';

export type { WarehouseTarget } from './warehouse-target.js';

/** Returns every warehouse the conformance suite runs against, including those that skip here. */
export function warehouseTargets(): WarehouseTarget[] {
  return [duckdbTarget, snowflakeTarget(), bigqueryTarget()];
}
