import { SluiceError } from '../core/errors.js';
import { buildModels } from '../models/build.js';
import { upstreamClosure } from '../models/graph.js';
import { planSync, type SyncPlan } from '../diff/plan.js';
import type { RunContext, RunOptions } from './run-context.js';
import { newRunId } from './run-context.js';
import { underSyncMemoryCap } from './sync-memory-cap.js';
import { compileModels, modelsOfSync } from './run-project.js';
import { planOptionsFor, resolveDiffSpec } from './resolve-sync.js';
import { acquireSyncLock } from './sync-lock.js';

/**
 * Builds the models a sync needs and computes its plan, sending nothing. Takes the sync's lock,
 * because the plan rewrites the sync's diff table, which a running sync reads.
 */
export async function planProjectSync(context: RunContext, syncName: string, options: RunOptions): Promise<SyncPlan> {
  const sync = context.project.syncs.get(syncName);
  if (!sync) {
    throw new SluiceError('selection_invalid', `Sync "${syncName}" not found; syncs: ${[...context.project.syncs.keys()].join(', ')}`);
  }
  const compiled = compileModels(context.project, context.warehouse, options);
  const needed = upstreamClosure(modelsOfSync(sync), new Map(compiled.map((m) => [m.name, m.refs])));
  const buildOptions = { workSchema: context.project.config.warehouse.internal_schema };
  const results = await buildModels(context.warehouse, compiled.filter((m) => needed.has(m.name)), context.logger, context.reporter, buildOptions);
  const failed = results.find((result) => result.status !== 'success');
  if (failed) throw failed.error!;

  const planId = newRunId().replace(/^run_/, 'plan_');
  const lock = await acquireSyncLock(context.store, sync.name, context.owner, planId);
  if (!lock) throw new SluiceError('sync_locked', `Sync ${sync.name} is running in another process; plan it again when that run ends`);
  try {
    const model = compiled.find((candidate) => candidate.name === sync.config.model)!;
    const { spec } = await resolveDiffSpec(context.warehouse, context.project, sync, model, { full: options.full });
    return await underSyncMemoryCap(context, sync.name, undefined, () => planSync(context.warehouse, spec, planOptionsFor(context, sync, model, options)));
  } finally {
    await lock.release();
  }
}
