/**
 * The state store: run history, per-row rejections, locks, the send ledger and the suppression
 * list, in a transactional database through knex (a SQLite file by default, Postgres by URL).
 * Snapshots and diffs do not live here; they stay in the warehouse next to the data.
 */

import type { SuppressionList } from '../suppression/suppression-list.js';

export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'interrupted' | 'skipped';
export type SyncRunStatus = 'running' | 'success' | 'partial' | 'failed' | 'skipped' | 'guarded' | 'interrupted';

export interface RunRecord {
  id: string;
  trigger: 'manual' | 'schedule';
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** Selection and options given for the run, for the history. */
  options: Record<string, unknown>;
}

export interface ModelRunRecord {
  runId: string;
  model: string;
  version: string;
  status: 'success' | 'failed' | 'skipped';
  rowCount: number | null;
  durationMs: number;
  error: string | null;
}

export interface SyncCounts {
  added: number;
  changed: number;
  removed: number;
  accepted: number;
  rejected: number;
  skipped: number;
}

export interface SyncRunRecord {
  runId: string;
  sync: string;
  status: SyncRunStatus;
  modelVersion: string | null;
  mappingVersion: string | null;
  counts: SyncCounts;
  durationMs: number;
  error: string | null;
  /** Reason the sync was skipped or guarded, or other remarks worth showing in `sluice runs`. */
  detail: string | null;
}

export interface RejectionRecord {
  runId: string;
  sync: string;
  key: string;
  operation: string;
  reason: string;
}

export type LedgerStatus = 'pending' | 'sent' | 'rejected';

/**
 * One message in the send ledger. `idempotencyKey` is sync + row key + content hash, so the same
 * content to the same key is never sent twice. `pending` means the call was started but its
 * outcome was never recorded (a crash or a failed write): the message may have been delivered.
 */
export interface LedgerEntry {
  idempotencyKey: string;
  sync: string;
  rowKey: string;
  contentHash: string;
  runId: string;
  status: LedgerStatus;
  detail: string | null;
}

export interface LockLease {
  name: string;
  owner: string;
  runId: string;
  expiresAt: string;
}

export interface StateStore {
  /** The suppression list, stored in this database. Usable once `migrate()` has run. */
  readonly suppressions: SuppressionList;

  /** Creates or upgrades the tables. Safe to call on every start. */
  migrate(): Promise<void>;

  createRun(run: RunRecord): Promise<void>;
  finishRun(id: string, status: RunStatus, error: string | null): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(limit: number): Promise<RunRecord[]>;

  recordModelRun(record: ModelRunRecord): Promise<void>;
  listModelRuns(runId: string): Promise<ModelRunRecord[]>;

  recordSyncRun(record: SyncRunRecord): Promise<void>;
  listSyncRuns(runId: string): Promise<SyncRunRecord[]>;
  /** The last finished run of a sync, for the shrink guard and `sluice runs`. */
  lastSyncRun(sync: string): Promise<SyncRunRecord | undefined>;

  recordRejections(records: RejectionRecord[]): Promise<void>;
  listRejections(runId: string, sync?: string, limit?: number): Promise<RejectionRecord[]>;

  /**
   * Takes the named lock for `ttlMs` unless another owner holds an unexpired lease. Returns the
   * lease, or undefined when the lock is held. An expired lease (a crashed holder) is taken over.
   */
  acquireLock(name: string, owner: string, runId: string, ttlMs: number): Promise<LockLease | undefined>;
  /** Extends a held lease; returns false if the lease was lost. */
  renewLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLock(name: string, owner: string): Promise<void>;

  /** Looks up ledger entries for the given idempotency keys. */
  getLedgerEntries(keys: string[]): Promise<Map<string, LedgerEntry>>;
  /** Writes `pending` entries before a call. Existing keys are left as they are. */
  recordLedgerIntents(entries: LedgerEntry[]): Promise<void>;
  /** Sets the final status of entries after a call. */
  resolveLedgerEntries(updates: { idempotencyKey: string; status: LedgerStatus; detail: string | null }[]): Promise<void>;

  close(): Promise<void>;
}
