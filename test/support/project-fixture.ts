import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadProject } from '../../src/config/load-project.js';
import { MemoryLogger } from '../../src/core/logger.js';
import { silentReporter } from '../../src/core/progress.js';
import type { DestinationType } from '../../src/destinations/destination.js';
import { destinationTypes } from '../../src/destinations/registry.js';
import { defaultRunOptions, lockOwner, type RunContext, type RunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import type { RunSummary } from '../../src/run/run-summary.js';
import { openStateStore } from '../../src/state/open-store.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { memoryDestinationType } from './memory-destination.js';

export const testDestinationTypes = new Map<string, DestinationType<any, any>>([
  ...destinationTypes,
  ['memory', memoryDestinationType],
]);

export const DUCKDB_WAREHOUSE_YAML = '{ type: duckdb, path: .sluice/warehouse.duckdb }';

/**
 * Returns a project file whose last section is `destinations:`, so tests can append accounts.
 * `warehouseYaml` is the `warehouse:` value as a YAML flow mapping.
 */
export function baseProject(inboxName: string, sources = '', warehouseYaml = DUCKDB_WAREHOUSE_YAML): string {
  return `name: test_project
warehouse: ${warehouseYaml}
state: { type: sqlite, path: .sluice/state.sqlite }
${sources}destinations:
  memory: { type: memory, inbox: ${inboxName} }
`;
}

/** Writes a project into a new temporary folder and returns its path. */
export async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** Loads the project and opens its warehouse and state store, as the CLI does. */
export async function openTestContext(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<RunContext & { logger: MemoryLogger; close(): Promise<void> }> {
  const schemas = new Map([...testDestinationTypes].map(([name, type]) => [name, { accountSchema: type.accountSchema, syncSchema: type.syncSchema }]));
  const project = await loadProject(dir, { env, destinationSchemas: schemas });
  const logger = new MemoryLogger();
  const store = await openStateStore(project.config.state, project.dir);
  const warehouse = await openWarehouse(project.config.warehouse, project.dir);
  return {
    project,
    warehouse,
    store,
    destinationTypes: testDestinationTypes,
    logger,
    reporter: silentReporter,
    owner: lockOwner(),
    async close() {
      await warehouse.close();
      await store.close();
    },
  };
}

/** Opens the project, runs it once with the given options, and closes it again. */
export async function runOnce(dir: string, options: Partial<RunOptions> = {}, env?: NodeJS.ProcessEnv): Promise<RunSummary> {
  const context = await openTestContext(dir, env);
  try {
    return await runProject(context, { ...defaultRunOptions, ...options });
  } finally {
    await context.close();
  }
}
