import { loadProject } from '../../src/config/load-project.js';
import type { Project } from '../../src/config/project.js';
import { compileProject, type CompiledModel } from '../../src/models/compile.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { duckdbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { writeProject } from '../support/project-fixture.js';

export const MODEL_SCHEMA = 'analytics';

/** sluice.yml for model tests; `extra` is appended as more top-level sections. */
export function projectFile(extra = ''): string {
  return `name: models_test\nwarehouse: { type: duckdb, path: ':memory:' }\n${extra}`;
}

/** Writes and loads a project with the given models (`name` to SQL) and other files. */
export async function loadModels(
  models: Record<string, string>,
  other: Record<string, string> = {},
): Promise<Project> {
  const files: Record<string, string> = { 'sluice.yml': projectFile(), ...other };
  for (const [name, sql] of Object.entries(models)) files[`models/${name}.sql`] = sql;
  return loadProject(await writeProject(files), { env: {} });
}

/** Compiles the models for DuckDB. `overrides` are the values that a run gives with --var. */
export function compile(project: Project, vars = project.config.vars, overrides?: Record<string, string>): CompiledModel[] {
  return compileProject(project, {
    dialect: duckdbDialect,
    capabilities: DuckDBAdapter.capabilities,
    schema: MODEL_SCHEMA,
    vars,
    overrides,
  });
}

export function versions(models: CompiledModel[]): Record<string, string> {
  return Object.fromEntries(models.map((model) => [model.name, model.version]));
}
