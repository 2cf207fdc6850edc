import { cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { ColumnInfo } from '../../src/core/values.js';
import type { WarehouseAdapter } from '../../src/warehouse/adapter.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { writeProject } from '../support/project-fixture.js';
import type { WarehouseTarget } from '../support/targets/index.js';

/**
 * The example project at the repository root, rewritten for a warehouse that cannot read its
 * source files: each source table becomes a warehouse table `<source>_<table>`, loaded from the
 * file through DuckDB and the target's `loadRows`. Syncs to the vendor APIs go to a `memory`
 * destination instead, and the file syncs still write under `out/`.
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Rows per `loadRows` call, which sends them as one bound JSON document. */
const LOAD_BATCH_ROWS = 10_000;

interface FileSource {
  file: string;
  format: 'csv' | 'parquet' | 'json';
}

export interface ExampleProject {
  dir: string;
  /** Warehouse table name and source file of every source table. */
  tables: { name: string; source: FileSource }[];
}

/** Writes the example project for `target` into a new folder. */
export async function writeExampleProject(target: WarehouseTarget, id: string, inbox: string): Promise<ExampleProject> {
  const config = YAML.parse(await readFile(join(REPO_ROOT, 'sluice.yml'), 'utf8')) as Record<string, any>;
  const tables: ExampleProject['tables'] = [];
  for (const [sourceName, source] of Object.entries<any>(config.sources)) {
    for (const [tableName, table] of Object.entries<FileSource>(source.tables)) {
      const name = `${sourceName}_${tableName}`;
      tables.push({ name, source: table });
      source.tables[tableName] = { table: name };
    }
  }
  config.warehouse = YAML.parse(target.warehouseYaml(id));
  config.destinations = { exports: config.destinations.exports, memory: { type: 'memory', inbox } };
  delete config.imitations;

  const dir = await writeProject({ 'sluice.yml': YAML.stringify(config), ...(await syncsForMemory()) });
  await cp(join(REPO_ROOT, 'models'), join(dir, 'models'), { recursive: true });
  await cp(join(REPO_ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
  return { dir, tables };
}

/** Reads the example's syncs and points those to vendor APIs at the `memory` destination. */
async function syncsForMemory(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(join(REPO_ROOT, 'syncs'))) {
    const sync = YAML.parse(await readFile(join(REPO_ROOT, 'syncs', name), 'utf8')) as Record<string, unknown>;
    if (sync.destination !== 'exports') {
      sync.destination = 'memory';
      delete sync.destination_options;
    }
    files[`syncs/${name}`] = YAML.stringify(sync);
  }
  return files;
}

/**
 * Loads every source file into the warehouse. Column names are written in lower case, so they
 * are stored as an unquoted CREATE TABLE would store them and the models' unquoted references
 * resolve on a warehouse that folds names to upper case.
 */
export async function loadExampleSources(project: ExampleProject, warehouse: WarehouseAdapter): Promise<Map<string, number>> {
  const reader = await DuckDBAdapter.open({ path: ':memory:', fileSearchPath: REPO_ROOT });
  const counts = new Map<string, number>();
  try {
    for (const { name, source } of project.tables) {
      const select = `SELECT * FROM ${reader.dialect.readFile!(source.file, source.format)}`;
      const described = await reader.describe(select);
      const columns = described.map((column: ColumnInfo) => ({ name: column.name.toLowerCase(), type: column.type }));
      const rows = await reader.query(select);
      const lowered = rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toLowerCase(), value])));
      for (let start = 0; start < lowered.length || start === 0; start += LOAD_BATCH_ROWS) {
        await warehouse.loadRows({ name }, columns, lowered.slice(start, start + LOAD_BATCH_ROWS), { append: start > 0 });
      }
      counts.set(name, rows.length);
    }
  } finally {
    await reader.close();
  }
  return counts;
}
