import { DestinationError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Reporter } from '../core/progress.js';
import type { ChangeRecord, Destination, RowOutcome } from '../destinations/destination.js';
import type { Row } from '../core/values.js';
import { commitSnapshotSql, pendingSendsSql } from '../diff/diff-sql.js';
import { toChangeRecord } from '../diff/change-records.js';
import type { SyncPlan } from '../diff/plan.js';
import type { RejectionRecord, StateStore } from '../state/store.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import { deliverBatch } from './deliver-batch.js';
import { SendLedger } from './send-ledger.js';
import { SuppressionScreen } from './screen-suppressed.js';

export interface ApplyOptions {
  runId: string;
  batchSize: number;
  /** Record every row in the send ledger before and after each call. */
  useLedger: boolean;
  logger: Logger;
  reporter: Reporter;
  /** Aborting stops new batches; batches in flight finish and are recorded. */
  signal?: AbortSignal;
  maxAttempts?: number;
  maxRetryWaitMs?: number;
}

export interface ApplyResult {
  accepted: number;
  rejected: number;
  /** Rows not sent because the recipient is on the suppression list. */
  suppressed: number;
  /** Rows not re-sent because an earlier attempt's outcome is unknown. */
  unknown: number;
  /** True when the signal stopped the sync before every batch was sent. */
  interrupted: boolean;
  /** The error that stopped sending, if one did. */
  error: Error | undefined;
}

interface Batch {
  lastSeq: number;
  /** The one operation of every record in the batch. */
  operation: string;
  records: ChangeRecord[];
}

/**
 * Applies a plan: streams the rows to send from the diff table, delivers them in batches with
 * up to the destination's concurrency, records rejections, and then advances the snapshot in one
 * atomic step for exactly the rows the destination confirmed.
 */
export async function applyPlan(
  plan: SyncPlan,
  warehouse: WarehouseAdapter,
  destination: Destination,
  store: StateStore,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const { spec } = plan;
  const result: ApplyResult = { accepted: 0, rejected: 0, suppressed: 0, unknown: 0, interrupted: false, error: undefined };
  await warehouse.loadRows(spec.tables.failed, [{ name: '_key', type: 'string' }, { name: 'reason', type: 'string' }], []);

  const total = Object.values(plan.operations).reduce((sum, n) => sum + (n ?? 0), 0) - plan.withheldRemovals;
  const task = options.reporter.start(`Syncing ${plan.sync}`, Math.max(total, 0), 'rows');
  const ledger = options.useLedger ? new SendLedger(store, plan.sync, options.runId) : undefined;
  const screen = new SuppressionScreen(store.suppressions);
  const concurrency = Math.max(1, destination.capabilities.maxConcurrency);
  const inFlight = new Set<Promise<void>>();
  let highWaterSeq = 0;
  let done = 0;
  let operation: string | undefined;

  const sendBatch = async (batch: Batch): Promise<void> => {
    let heldBack = new Map<ChangeRecord, RowOutcome>();
    try {
      const screened = await screen.screen(batch.records, destination);
      heldBack = screened.heldBack;
      const delivered = screened.toSend.length > 0
        ? await deliverWithLedger(destination, screened.toSend, ledger, result, options)
        : { outcomes: [], unknown: new Set<ChangeRecord>() };
      const sentOutcomes = new Map(screened.toSend.map((record, index) => [record, delivered.outcomes[index]!]));
      const outcomes = batch.records.map((record) => heldBack.get(record) ?? sentOutcomes.get(record)!);
      await recordOutcomes(warehouse, store, plan, batch.records, outcomes, result, options.runId, delivered.unknown, options.useLedger);
    } catch (error) {
      result.error ??= error instanceof Error ? error : new Error(errorMessage(error));
      const reason = `not confirmed: ${errorMessage(error)}`;
      const failed = batch.records.map((record): RowOutcome => heldBack.get(record) ?? { status: 'rejected', reason });
      await recordOutcomes(warehouse, store, plan, batch.records, failed, result, options.runId, new Set(), options.useLedger).catch(() => undefined);
    }
    done += batch.records.length;
    task.update(done);
  };

  try {
    for await (const batch of batches(warehouse, plan, options.batchSize)) {
      if (options.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      // The batches of one operation finish before the next operation starts, so that a person
      // who moves from a removed row to an added one ends up present.
      if (batch.operation !== operation) await Promise.all(inFlight);
      operation = batch.operation;
      if (result.error) break;
      highWaterSeq = batch.lastSeq;
      const pending = sendBatch(batch).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  } finally {
    await Promise.all(inFlight);
    task.stop();
  }

  highWaterSeq = await flushDestination(destination, highWaterSeq, result);
  await commitSnapshot(warehouse, plan, options.runId, highWaterSeq);
  options.logger.log('info', 'sync.snapshot.committed', { sync: plan.sync, highWaterSeq, accepted: result.accepted, rejected: result.rejected });
  return result;
}

/** Diff rows whose snapshot state one transaction of the commit advances. */
const COMMIT_RANGE = 250_000;

/**
 * Advances the snapshot in transactions of at most COMMIT_RANGE diff rows, so that a commit of
 * millions of rows never keeps them all in one transaction. Each range is atomic, and every row
 * it advances was confirmed, so a commit cut short leaves a snapshot that is true but behind:
 * the rows of the ranges not yet committed are offered again on the next run.
 */
async function commitSnapshot(warehouse: WarehouseAdapter, plan: SyncPlan, runId: string, highWaterSeq: number): Promise<void> {
  const { spec } = plan;
  const [bounds] = await warehouse.query(`SELECT COALESCE(MAX(_seq), 0) AS max_seq FROM ${warehouse.dialect.quoteTable(spec.tables.diff)}`);
  const maxSeq = Number(bounds?.max_seq ?? 0);
  for (let from = 1; from <= maxSeq; from += COMMIT_RANGE) {
    const range = { from, to: from + COMMIT_RANGE - 1 };
    await warehouse.atomically(commitSnapshotSql(spec, warehouse.dialect, runId, highWaterSeq, range));
  }
}

/**
 * Makes the accepted rows durable before the snapshot moves. If that fails, no sent row is
 * confirmed: the snapshot advances only for rows that needed no send, and the rest are retried.
 */
async function flushDestination(destination: Destination, highWaterSeq: number, result: ApplyResult): Promise<number> {
  if (!destination.flush) return highWaterSeq;
  try {
    await destination.flush();
    return highWaterSeq;
  } catch (error) {
    result.error ??= error instanceof Error ? error : new Error(errorMessage(error));
    result.rejected += result.accepted;
    result.accepted = 0;
    return 0;
  }
}

/** Rows of the diff read per query, whatever the batch size. */
const SEQ_RANGE = 10_000;
/** Rows converted to objects at a time, where the warehouse can stream a range. */
const PAGE_ROWS = 1_000;

/**
 * Reads the rows to send in ranges of `_seq` and regroups them into full batches of one
 * operation each. A batch ends early only where the operation changes, which the `_seq` order
 * makes happen at most once per operation. The warehouse sorts one range at a time instead of
 * the whole diff. Where it can stream a range while other statements run, this process keeps a
 * page and a batch of rows in memory. Elsewhere it keeps a range and a batch.
 */
async function* batches(warehouse: WarehouseAdapter, plan: SyncPlan, batchSize: number): AsyncGenerator<Batch> {
  const diff = warehouse.dialect.quoteTable(plan.spec.tables.diff);
  const [bounds] = await warehouse.query(`SELECT COALESCE(MAX(_seq), 0) AS max_seq FROM ${diff}`);
  const maxSeq = Number(bounds?.max_seq ?? 0);
  const range = Math.max(batchSize, SEQ_RANGE);
  let pending: Row[] = [];

  for (let from = 1; from <= maxSeq; from += range) {
    const sql = pendingSendsSql(plan.spec, warehouse.dialect, { from, to: from + range - 1 });
    const pages = warehouse.capabilities.supportsConcurrentQueries ? warehouse.stream(sql, PAGE_ROWS) : [await warehouse.query(sql)];
    for await (const rows of pages) {
      for (const row of rows) {
        const full = pending.length >= batchSize || (pending.length > 0 && row._operation !== pending[0]!._operation);
        if (full) {
          yield toBatch(pending, plan);
          pending = [];
        }
        pending.push(row);
      }
    }
  }
  if (pending.length > 0) yield toBatch(pending, plan);
}

function toBatch(rows: Row[], plan: SyncPlan): Batch {
  return {
    lastSeq: Number(rows[rows.length - 1]!._seq),
    operation: String(rows[0]!._operation),
    records: rows.map((row) => toChangeRecord(row, plan.spec)),
  };
}

async function deliverWithLedger(
  destination: Destination,
  records: ChangeRecord[],
  ledger: SendLedger | undefined,
  result: ApplyResult,
  options: ApplyOptions,
): Promise<{ outcomes: RowOutcome[]; unknown: Set<ChangeRecord> }> {
  const policy = { maxAttempts: options.maxAttempts ?? 3, maxRetryWaitMs: options.maxRetryWaitMs ?? 60_000, signal: options.signal };
  if (!ledger) return { outcomes: await deliverBatch(destination, records, policy), unknown: new Set() };

  const { toSend, alreadySent, unknown } = await ledger.screen(records);
  if (unknown.length > 0) {
    result.unknown += unknown.length;
    options.logger.log('warn', 'sync.ledger.outcome_unknown', { rows: unknown.length, note: 'not re-sent; an earlier attempt may have delivered them' });
  }
  await ledger.recordIntents(toSend);
  const sentOutcomes: (RowOutcome | undefined)[] = new Array(toSend.length);
  try {
    if (toSend.length > 0) await deliverBatch(destination, toSend, policy, sentOutcomes);
  } catch (error) {
    // If this write fails too, the entries stay pending, which never sends a row twice.
    await ledger.resolve(toSend, outcomesAfterFailedCall(sentOutcomes, error)).catch((resolveError: unknown) => {
      options.logger.log('error', 'sync.ledger.resolve_failed', { runId: options.runId, rows: toSend.length, error: errorMessage(resolveError) });
    });
    throw error;
  }
  await ledger.resolve(toSend, sentOutcomes as RowOutcome[]);

  // Rows already sent, or whose earlier outcome is unknown, count as delivered: the snapshot
  // advances past them so they are never offered to the destination again.
  const byKey = new Map<ChangeRecord, RowOutcome>();
  toSend.forEach((record, index) => byKey.set(record, sentOutcomes[index]!));
  const outcomes = records.map((record): RowOutcome => byKey.get(record) ?? { status: 'accepted' });
  return { outcomes, unknown: new Set(unknown) };
}

/**
 * Returns ledger outcomes for a batch whose delivery threw. Rows settled by an earlier attempt
 * keep their outcome. A connector raises a DestinationError only when a call failed as a whole,
 * such as on a 401, so after one the rows of that call become rejected and a later run sends
 * them. After any other error their outcome is unknown, and they stay pending so they are never
 * sent twice.
 */
function outcomesAfterFailedCall(settled: (RowOutcome | undefined)[], error: unknown): RowOutcome[] {
  const failedAsWhole = error instanceof DestinationError;
  const reason = `the call failed: ${errorMessage(error)}`;
  return Array.from(settled, (outcome): RowOutcome => {
    const inFailedCall = outcome === undefined || (outcome.status === 'retry' && !outcome.outcomeUnknown);
    if (!inFailedCall) return outcome;
    return failedAsWhole ? { status: 'rejected', reason } : { status: 'retry', reason, outcomeUnknown: true };
  });
}

/**
 * Returns the reason kept for a row that was not accepted. With the send ledger, a row whose outcome is
 * unknown is never sent again, so its reason must not promise a retry.
 */
function rejectionReason(outcome: Exclude<RowOutcome, { status: 'accepted' | 'suppressed' }>, ledgerUsed: boolean): string {
  if (outcome.status === 'rejected') return outcome.reason;
  if (outcome.outcomeUnknown && ledgerUsed) return `outcome unknown, not sent again: ${outcome.reason}`;
  return `not confirmed, retried next run: ${outcome.reason}`;
}

async function recordOutcomes(
  warehouse: WarehouseAdapter,
  store: StateStore,
  plan: SyncPlan,
  records: ChangeRecord[],
  outcomes: RowOutcome[],
  result: ApplyResult,
  runId: string,
  unknown: Set<ChangeRecord> = new Set(),
  ledgerUsed = false,
): Promise<void> {
  const rejections: RejectionRecord[] = [];
  const failedRows: { _key: string; reason: string }[] = [];
  records.forEach((record, index) => {
    const outcome = outcomes[index]!;
    if (unknown.has(record)) return;
    if (outcome.status === 'accepted') {
      result.accepted += 1;
      return;
    }
    // A suppressed row is kept out of the snapshot like a rejected one, but it is no failure.
    if (outcome.status === 'suppressed') {
      result.suppressed += 1;
      failedRows.push({ _key: record.key, reason: outcome.reason });
      return;
    }
    result.rejected += 1;
    const reason = rejectionReason(outcome, ledgerUsed);
    rejections.push({ runId, sync: plan.sync, key: record.key, operation: record.operation, reason });
    failedRows.push({ _key: record.key, reason });
  });
  if (failedRows.length === 0) return;

  await warehouse.loadRows(plan.spec.tables.failed, [{ name: '_key', type: 'string' }, { name: 'reason', type: 'string' }], failedRows, { append: true });
  if (rejections.length > 0) await store.recordRejections(rejections);
}
