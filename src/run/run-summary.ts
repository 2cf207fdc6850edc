import type { RunStatus, SyncCounts, SyncRunStatus } from '../state/store.js';

export interface ModelSummary {
  name: string;
  version: string;
  status: 'success' | 'failed' | 'skipped';
  rowCount: number | null;
  durationMs: number;
  error: string | null;
}

export interface SyncSummary {
  name: string;
  status: SyncRunStatus;
  counts: SyncCounts;
  durationMs: number;
  error: string | null;
  /** Guard messages, lock holder, or other remarks. */
  detail: string | null;
  /** The first few rejection reasons, so a user sees why without another command. */
  rejections: { key: string; reason: string }[];
}

/** Summary of one run, the document `sluice run --json` prints. */
export interface RunSummary {
  runId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  models: ModelSummary[];
  syncs: SyncSummary[];
  error: string | null;
}

export function emptyCounts(): SyncCounts {
  return { added: 0, changed: 0, removed: 0, accepted: 0, rejected: 0, skipped: 0 };
}

/** Derives the run's status from its parts: any failure fails it, rejected rows make it partial. */
export function overallStatus(models: ModelSummary[], syncs: SyncSummary[], interrupted: boolean): RunStatus {
  if (interrupted || syncs.some((sync) => sync.status === 'interrupted')) return 'interrupted';
  if (models.some((model) => model.status !== 'success')) return 'failed';
  if (syncs.some((sync) => sync.status === 'failed')) return 'failed';
  if (syncs.some((sync) => sync.status === 'partial' || sync.status === 'guarded')) return 'partial';
  return 'success';
}
