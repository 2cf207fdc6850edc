import type { Project, SyncDefinition } from '../config/project.js';
import { ModelBuildError, errorMessage } from '../core/errors.js';
import { compileProject, type CompiledModel } from '../models/compile.js';
import { buildModels } from '../models/build.js';
import { upstreamClosure } from '../models/graph.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { RunContext, RunOptions } from './run-context.js';
import { newRunId } from './run-context.js';
import { emptyCounts, overallStatus, type ModelSummary, type RunSummary, type SyncSummary } from './run-summary.js';
import { runSync } from './run-sync.js';
import { selectSyncs } from './select.js';

/**
 * Runs a project: compiles every model, builds the ones the selected syncs need (each once, in
 * dependency order), then runs each selected sync. The run and every model and sync in it are
 * recorded in the state store with the model versions used. A model that does not compile
 * (ModelError) or a selected name that is neither a sync nor a model (`selection_invalid`)
 * raises, and no run is recorded.
 */
export async function runProject(context: RunContext, options: RunOptions): Promise<RunSummary> {
  // An invalid template or an unknown --select name raises here, before the run is recorded,
  // because nothing has run yet.
  const compiled = compileModels(context.project, context.warehouse, options);
  const selection = selectSyncs(context.project, compiled, options.select);

  const runId = newRunId();
  const startedAt = new Date().toISOString();
  await context.store.createRun({ id: runId, trigger: options.trigger, status: 'running', startedAt, finishedAt: null, error: null, options: { ...options } });
  context.logger.log('info', 'run.started', { runId, trigger: options.trigger, select: options.select });

  let models: ModelSummary[] = [];
  let syncs: SyncSummary[] = [];
  let error: string | null = null;
  try {
    const needed = upstreamClosure([...selection.models, ...selection.syncs.flatMap(modelsOfSync)], dependencyMap(compiled));
    models = await buildSelected(context, runId, compiled.filter((model) => needed.has(model.name)));
    syncs = await runSelectedSyncs(context, runId, selection.syncs, compiled, models, options);
  } catch (caught) {
    error = errorMessage(caught);
    context.logger.log('error', 'run.failed', { runId, error });
  }

  const status = error ? 'failed' : overallStatus(models, syncs, context.signal?.aborted ?? false);
  await context.store.finishRun(runId, status, error);
  const summary: RunSummary = { runId, status, startedAt, finishedAt: new Date().toISOString(), models, syncs, error };
  context.logger.log('info', 'run.completed', { runId, status, syncs: syncs.length, models: models.length });
  return summary;
}

/** Compiles every model of the project for a warehouse, with the run's vars. */
export function compileModels(
  project: Project,
  warehouse: Pick<WarehouseAdapter, 'dialect' | 'capabilities'>,
  options: Pick<RunOptions, 'vars'>,
): CompiledModel[] {
  return compileProject(project, {
    dialect: warehouse.dialect,
    capabilities: warehouse.capabilities,
    schema: project.config.warehouse.schema,
    vars: project.config.vars,
    overrides: options.vars,
  });
}

/** Models a sync reads: its own and, when set, its suppression model. */
export function modelsOfSync(sync: SyncDefinition): string[] {
  return [sync.config.model, ...(sync.config.suppression ? [sync.config.suppression.model] : [])];
}

function dependencyMap(models: CompiledModel[]): Map<string, string[]> {
  return new Map(models.map((model) => [model.name, model.refs]));
}

async function buildSelected(context: RunContext, runId: string, models: CompiledModel[]): Promise<ModelSummary[]> {
  context.warehouse.setTag(`run=${runId}`);
  const buildOptions = { runId, workSchema: context.project.config.warehouse.internal_schema };
  const results = await buildModels(context.warehouse, models, context.logger, context.reporter, buildOptions).finally(() => context.warehouse.setTag(undefined));
  const summaries: ModelSummary[] = [];
  for (const result of results) {
    const error = result.error?.message ?? null;
    await context.store.recordModelRun({ runId, model: result.model, version: result.version, status: result.status, rowCount: result.rowCount, durationMs: result.durationMs, error });
    summaries.push({ name: result.model, version: result.version, status: result.status, rowCount: result.rowCount, durationMs: result.durationMs, error });
  }
  return summaries;
}

async function runSelectedSyncs(
  context: RunContext,
  runId: string,
  syncs: ReturnType<typeof selectSyncs>['syncs'],
  compiled: CompiledModel[],
  models: ModelSummary[],
  options: RunOptions,
): Promise<SyncSummary[]> {
  const summaries: SyncSummary[] = [];
  for (const sync of syncs) {
    if (context.signal?.aborted) break;
    const model = compiled.find((candidate) => candidate.name === sync.config.model)!;
    const built = models.find((summary) => summary.name === model.name);
    if (built?.status !== 'success') {
      const reason = new ModelBuildError(model.name, `model ${model.name} was not built in this run: ${built?.error ?? 'unknown'}`);
      summaries.push(await recordUnbuilt(context, runId, sync.name, model, reason.message));
      continue;
    }
    summaries.push(await runSync(context, runId, sync, model, options));
  }
  return summaries;
}

async function recordUnbuilt(context: RunContext, runId: string, sync: string, model: CompiledModel, error: string): Promise<SyncSummary> {
  const counts = emptyCounts();
  await context.store.recordSyncRun({ runId, sync, status: 'failed', modelVersion: model.version, mappingVersion: null, counts, durationMs: 0, error, detail: null });
  return { name: sync, status: 'failed', counts, durationMs: 0, error, detail: null, rejections: [] };
}
