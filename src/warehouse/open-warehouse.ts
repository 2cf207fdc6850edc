import { isAbsolute, join } from 'node:path';
import type { WarehouseConfig } from '../config/schema.js';
import type { WarehouseAdapter } from './adapter.js';
import { DuckDBAdapter } from './duckdb/duckdb-adapter.js';

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
        fileSearchPath: projectDir,
      });
    }
  }
}
