import type { Project } from '../config/project.js';
import type { StateStore } from '../state/store.js';
import { newRunId } from './run-context.js';
import { emptyCounts, type RunSummary, type SyncSummary } from './run-summary.js';

/**
 * Records a run whose selected syncs could not start because the warehouse is held by another
 * process, so the history shows the tick as skipped rather than missing.
 */
export async function recordSkippedRun(
  store: StateStore,
  project: Project,
  select: string[],
  trigger: 'manual' | 'schedule',
  reason: string,
): Promise<RunSummary> {
  const runId = newRunId();
  const startedAt = new Date().toISOString();
  await store.createRun({ id: runId, trigger, status: 'running', startedAt, finishedAt: null, error: null, options: { select } });

  const names = select.length > 0 ? select.filter((name) => project.syncs.has(name)) : [...project.syncs.keys()];
  const syncs: SyncSummary[] = [];
  for (const name of names) {
    const counts = emptyCounts();
    await store.recordSyncRun({ runId, sync: name, status: 'skipped', modelVersion: null, mappingVersion: null, counts, durationMs: 0, error: null, detail: reason });
    syncs.push({ name, status: 'skipped', counts, durationMs: 0, error: null, detail: reason, rejections: [] });
  }
  await store.finishRun(runId, 'skipped', null);
  return { runId, status: 'skipped', startedAt, finishedAt: new Date().toISOString(), models: [], syncs, error: null };
}
