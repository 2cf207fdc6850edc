import type { SyncDefinition } from '../config/project.js';
import { ConfigError, SluiceError, errorMessage } from '../core/errors.js';
import type { Destination } from '../destinations/destination.js';
import { planSync, type SyncPlan } from '../diff/plan.js';
import type { CompiledModel } from '../models/compile.js';
import type { SyncRunRecord } from '../state/store.js';
import { applyPlan, type ApplyResult } from '../sync/apply-plan.js';
import type { RunContext, RunOptions } from './run-context.js';
import { emptyCounts, type SyncSummary } from './run-summary.js';
import { planOptionsFor, resolveDiffSpec } from './resolve-sync.js';
import { acquireSyncLock } from './sync-lock.js';
import { checkSyncDestinations } from './check-sync-destinations.js';
import { openSyncDestination } from './open-destination.js';
import { underSyncMemoryCap } from './sync-memory-cap.js';

const REJECTION_SAMPLE = 5;

/**
 * Runs one sync: lock, plan, guards, send, commit, record. Never throws for a sync-level
 * failure; the failure is recorded and returned so the other syncs of the run still go ahead.
 */
export async function runSync(
  context: RunContext,
  runId: string,
  sync: SyncDefinition,
  model: CompiledModel,
  options: RunOptions,
): Promise<SyncSummary> {
  const started = Date.now();
  const summary: SyncSummary = { name: sync.name, status: 'running', counts: emptyCounts(), durationMs: 0, error: null, detail: null, rejections: [] };
  let mappingVersion: string | null = null;

  const lock = await acquireSyncLock(context.store, sync.name, context.owner, runId);
  if (!lock) {
    summary.status = 'skipped';
    summary.detail = 'another run of this sync is in progress; this run skipped it';
    context.logger.log('warn', 'sync.skipped.locked', { runId, sync: sync.name });
    return finish(context, runId, summary, model, mappingVersion, started);
  }

  try {
    const problems = await checkSyncDestinations(context.project.dir, context.project.config.destinations, [sync], context.destinationTypes);
    if (problems.length > 0) throw new ConfigError(problems);
    const resolved = await resolveDiffSpec(context.warehouse, context.project, sync, model, { full: options.full });
    mappingVersion = resolved.mappingVersion;
    context.warehouse.setTag(`run=${runId} sync=${sync.name}`);
    await underSyncMemoryCap(context, sync.name, runId, async () => {
      const plan = await planSync(context.warehouse, resolved.spec, planOptionsFor(context, sync, model, options));
      fillPlanCounts(summary, plan);

      const tripped = plan.guards.filter((guard) => guard.tripped);
      if (tripped.length > 0 && plan.withheldRemovals === 0) {
        summary.status = 'guarded';
        summary.detail = tripped.map((guard) => guard.message).join(' ');
        context.logger.log('warn', 'sync.guard.tripped', { runId, sync: sync.name, guards: tripped.map((g) => g.guard) });
        return;
      }

      const result = await sendPlan(context, runId, sync, plan);
      fillApplyCounts(summary, result);
      summary.status = statusOf(result, plan);
      if (tripped.length > 0) summary.detail = `${plan.withheldRemovals} removals withheld. ${tripped.map((g) => g.message).join(' ')}`;
      if (result.error) summary.error = errorMessage(result.error);
    });
  } catch (error) {
    summary.status = 'failed';
    summary.error = errorMessage(error);
    context.logger.log('error', 'sync.failed', { runId, sync: sync.name, code: error instanceof SluiceError ? error.code : 'unexpected', error: summary.error });
  } finally {
    context.warehouse.setTag(undefined);
    await lock.release().catch(() => undefined);
  }
  return finish(context, runId, summary, model, mappingVersion, started);
}

async function sendPlan(context: RunContext, runId: string, sync: SyncDefinition, plan: SyncPlan): Promise<ApplyResult> {
  const destination: Destination = await openSyncDestination(context, sync, runId, plan.spec.full);
  try {
    const { capabilities } = destination;
    return await applyPlan(plan, context.warehouse, destination, context.store, {
      runId,
      batchSize: Math.min(sync.config.batch_size ?? capabilities.maxBatchSize, capabilities.maxBatchSize),
      useLedger: !capabilities.idempotent || sync.config.mode === 'trigger',
      logger: context.logger,
      reporter: context.reporter,
      signal: context.signal,
    });
  } finally {
    await destination.close();
  }
}

function fillPlanCounts(summary: SyncSummary, plan: SyncPlan): void {
  summary.counts.added = plan.counts.added;
  summary.counts.changed = plan.counts.changed;
  summary.counts.removed = plan.counts.removed;
  summary.counts.skipped = plan.advanceOnly + plan.excluded.nullKeyRows + plan.excluded.duplicateKeyRows + plan.withheldRemovals;
}

function fillApplyCounts(summary: SyncSummary, result: ApplyResult): void {
  summary.counts.accepted = result.accepted;
  summary.counts.rejected = result.rejected;
  summary.counts.skipped += result.unknown + result.suppressed;
}

function statusOf(result: ApplyResult, plan: SyncPlan): SyncSummary['status'] {
  if (result.error) return 'failed';
  if (result.interrupted) return 'interrupted';
  if (plan.withheldRemovals > 0) return 'guarded';
  return result.rejected > 0 ? 'partial' : 'success';
}

async function finish(
  context: RunContext,
  runId: string,
  summary: SyncSummary,
  model: CompiledModel,
  mappingVersion: string | null,
  started: number,
): Promise<SyncSummary> {
  summary.durationMs = Date.now() - started;
  if (summary.counts.rejected > 0) {
    const rejections = await context.store.listRejections(runId, summary.name, REJECTION_SAMPLE).catch(() => []);
    summary.rejections = rejections.map((rejection) => ({ key: rejection.key, reason: rejection.reason }));
  }
  const record: SyncRunRecord = {
    runId,
    sync: summary.name,
    status: summary.status,
    modelVersion: model.version,
    mappingVersion,
    counts: summary.counts,
    durationMs: summary.durationMs,
    error: summary.error,
    detail: summary.detail,
  };
  try {
    await context.store.recordSyncRun(record);
  } catch (error) {
    summary.status = 'failed';
    summary.error = [summary.error, `recording the sync run failed: ${errorMessage(error)}`].filter(Boolean).join('; ');
  }
  context.logger.log(summary.status === 'failed' ? 'error' : 'info', 'sync.completed', {
    runId,
    sync: summary.name,
    status: summary.status,
    ...summary.counts,
    durationMs: summary.durationMs,
  });
  return summary;
}
