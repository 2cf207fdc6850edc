import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import type { ColumnInfo, Row } from '../../src/core/values.js';
import type { SyncPlan } from '../../src/diff/plan.js';
import { planProjectSync } from '../../src/run/plan-project-sync.js';
import { defaultRunOptions, type RunOptions } from '../../src/run/run-context.js';
import type { RunSummary, SyncSummary } from '../../src/run/run-summary.js';
import type { WarehouseAdapter } from '../../src/warehouse/adapter.js';
import { baseProject, openTestContext, runOnce, writeFiles, writeProject } from '../support/project-fixture.js';
import { warehouseTargets, type WarehouseTarget } from '../support/targets/index.js';

/**
 * Source tables are loaded with the adapter's `loadRows` into the connection's default schema,
 * not read from files, because only some warehouses read local files. Each target isolates that
 * schema per project through `warehouseYaml(id)`.
 */

/**
 * Time limit of one conformance test. A test runs its project up to four times, and an emulated
 * warehouse takes far longer per statement than DuckDB in process, so the default is too short.
 */
const TEST_TIMEOUT_MS = 300_000;

/** Declares one suite per warehouse target, and a target that cannot run here skips with its reason. */
export function describeEachWarehouse(title: string, body: (target: WarehouseTarget) => void): void {
  for (const target of warehouseTargets()) {
    const skipped = target.skipReason !== undefined;
    const name = skipped ? `${title} on ${target.name} (skipped: ${target.skipReason})` : `${title} on ${target.name}`;
    describe.skipIf(skipped)(name, { timeout: TEST_TIMEOUT_MS }, () => body(target));
  }
}

/** A test project on one warehouse target. */
export interface TargetProject {
  dir: string;
  env: NodeJS.ProcessEnv;
}

export interface ProjectOptions {
  /** Inbox of the `memory` destination account. */
  inbox: string;
  /** Source tables of the `crm` source, each read from the warehouse table `crm_<name>`. */
  sources?: string[];
  /** Top-level sluice.yml sections placed before `destinations:`, such as `identity:`. */
  sections?: string;
  /** Further destination accounts, as `name: inbox` of more memory destinations. */
  accounts?: Record<string, string>;
  /** Models, syncs and other project files. */
  files?: Record<string, string>;
}

/** Writes a project whose warehouse is a fresh database (or schema, or dataset) of `target`. */
export async function writeTargetProject(target: WarehouseTarget, options: ProjectOptions): Promise<TargetProject> {
  const id = `t_${randomBytes(5).toString('hex')}`;
  const tables = (options.sources ?? []).map((name) => `      ${name}: { table: crm_${name} }\n`).join('');
  const sources = tables === '' ? '' : `sources:\n  crm:\n    tables:\n${tables}`;
  const accounts = Object.entries(options.accounts ?? {})
    .map(([name, inbox]) => `  ${name}: { type: memory, inbox: ${inbox} }\n`)
    .join('');
  const projectFile = baseProject(options.inbox, sources + (options.sections ?? ''), target.warehouseYaml(id)) + accounts;

  const dir = await writeProject({ 'sluice.yml': projectFile, ...options.files });
  return { dir, env: { ...process.env, ...target.env } };
}

/** Replaces project files, for tests that edit models or syncs between runs. */
export async function editProject(project: TargetProject, files: Record<string, string>): Promise<void> {
  await writeFiles(project.dir, files);
}

/** Opens the project's warehouse, runs `work` on it and closes it again. */
export async function withWarehouse<T>(project: TargetProject, work: (warehouse: WarehouseAdapter) => Promise<T>): Promise<T> {
  const context = await openTestContext(project.dir, project.env);
  try {
    return await work(context.warehouse);
  } finally {
    await context.close();
  }
}

/** Creates (or replaces) the warehouse table behind source table `crm.<name>`. */
export async function loadSource(
  project: TargetProject,
  name: string,
  columns: { name: string; type: ColumnInfo['type'] }[],
  rows: Row[],
): Promise<void> {
  await withWarehouse(project, (warehouse) => warehouse.loadRows({ name: `crm_${name}` }, columns, rows));
}

/** Runs every sync of the project once, as `sluice run` does. */
export async function runProjectOnce(project: TargetProject, options: Partial<RunOptions> = {}): Promise<RunSummary> {
  return runOnce(project.dir, options, project.env);
}

/** Builds the models a sync needs and plans it, as `sluice plan` does. */
export async function planProject(project: TargetProject, sync: string): Promise<SyncPlan> {
  const context = await openTestContext(project.dir, project.env);
  try {
    return await planProjectSync(context, sync, defaultRunOptions);
  } finally {
    await context.close();
  }
}

/** Finds the summary of one sync in a run, and throws when the run has no such sync. */
export function syncOf(summary: RunSummary, name: string): SyncSummary {
  const sync = summary.syncs.find((candidate) => candidate.name === name);
  if (sync === undefined) throw new Error(`run ${summary.runId} has no sync ${name}; it has ${summary.syncs.map((s) => s.name).join(', ')}`);
  return sync;
}
