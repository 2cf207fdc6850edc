import { isAbsolute, join } from 'node:path';
import type { WarehouseConfig } from '../config/schema.js';
import type { WarehouseAdapter } from './adapter.js';
import type { WarehouseCapabilities } from './capabilities.js';
import type { SqlDialect } from './dialect.js';
import { BigQueryAdapter } from './bigquery/bigquery-adapter.js';
import { bigqueryDialect } from './bigquery/bigquery-dialect.js';
import { DuckDBAdapter } from './duckdb/duckdb-adapter.js';
import { duckdbDialect } from './duckdb/duckdb-dialect.js';
import { SnowflakeAdapter } from './snowflake/snowflake-adapter.js';
import { snowflakeDialect } from './snowflake/snowflake-dialect.js';

/** Opens the warehouse a project names. The config schema admits only supported types. */
export async function openWarehouse(config: WarehouseConfig, projectDir: string): Promise<WarehouseAdapter> {
  switch (config.type) {
    case 'duckdb': {
      const path =
        config.path === ':memory:' || isAbsolute(config.path) ? config.path : join(projectDir, config.path);
      return DuckDBAdapter.open({
        path,
        threads: config.threads,
        memoryLimit: config.memory_limit,
        syncMemoryLimit: config.sync_memory_limit === 'off' ? undefined : config.sync_memory_limit,
        fileSearchPath: projectDir,
        lockWaitMs: config.lock_wait_seconds * 1000,
      });
    }
    case 'snowflake':
      return SnowflakeAdapter.open(config, projectDir);
    case 'bigquery': {
      // Google's client library is loaded only for a BigQuery project: it adds about 15 MB to
      // every process that imports it.
      const { createBigQueryClient } = await import('./bigquery/bigquery-client.js');
      return new BigQueryAdapter({
        client: createBigQueryClient(config, projectDir),
        defaultDataset: config.schema,
        location: config.location,
        maximumBytesBilled: config.maximum_bytes_billed,
        jobTimeoutMs: config.job_timeout_seconds * 1000,
      });
    }
  }
}

/** Returns the dialect and capabilities of a configured warehouse, without connecting to it. */
export function describeWarehouse(config: WarehouseConfig): { dialect: SqlDialect; capabilities: WarehouseCapabilities } {
  switch (config.type) {
    case 'duckdb':
      return { dialect: duckdbDialect, capabilities: DuckDBAdapter.capabilities };
    case 'snowflake':
      return { dialect: snowflakeDialect, capabilities: SnowflakeAdapter.capabilities };
    case 'bigquery':
      return { dialect: bigqueryDialect, capabilities: BigQueryAdapter.capabilities };
  }
}
