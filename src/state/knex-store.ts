import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { StateError, errorMessage } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { REDACTED } from '../core/redact.js';
import type { SuppressionList } from '../suppression/suppression-list.js';
import { KnexSuppressionList } from './knex-suppression-list.js';
import { MIGRATIONS_TABLE, STATE_TABLES, StateMigrationSource } from './migrations.js';
import type {
  LedgerEntry,
  LedgerStatus,
  LockLease,
  ModelRunRecord,
  RejectionRecord,
  RunRecord,
  RunStatus,
  StateStore,
  SyncRunRecord,
} from './store.js';

/**
 * Rows per multi-row INSERT and keys per IN list. By default SQLite allows 999 bound variables
 * per statement in versions before 3.32 (32766 from 3.32 on). Knex 3 writes a SQLite multi-row
 * insert as a compound SELECT, and SQLite allows 500 terms in one. Postgres allows 65535.
 */
const MAX_ROWS_PER_STATEMENT = 500;
const MAX_BINDINGS_PER_STATEMENT = 999;

/** How long a migration keeps retrying while another process migrates the same SQLite file. */
const MIGRATION_RETRY_MS = 30_000;

const LEDGER_STATUSES: ReadonlySet<string> = new Set<LedgerStatus>(['pending', 'sent', 'rejected']);

export interface KnexStateStoreOptions {
  /** Description of the database for error messages, such as `SQLite file …`. No credentials. */
  description: string;
  /** Postgres schema that contains the tables. Leave undefined on SQLite. */
  schema?: string;
  /** Strings removed from error messages, such as a connection URL and its password. */
  secrets?: readonly string[];
  logger?: Logger;
}

interface RunRow {
  id: string;
  trigger: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  options: string;
}

interface ModelRunRow {
  run_id: string;
  model: string;
  version: string;
  status: string;
  row_count: number | string | null;
  duration_ms: number | string;
  error: string | null;
  recorded_at: string;
}

interface SyncRunRow {
  run_id: string;
  sync: string;
  status: string;
  model_version: string | null;
  mapping_version: string | null;
  added: number | string;
  changed: number | string;
  removed: number | string;
  accepted: number | string;
  rejected: number | string;
  skipped: number | string;
  duration_ms: number | string;
  error: string | null;
  detail: string | null;
  recorded_at: string;
}

interface RejectionRow {
  run_id: string;
  sync: string;
  row_key: string;
  operation: string;
  reason: string;
}

interface LockRow {
  name: string;
  owner: string;
  run_id: string;
  acquired_at: string;
  expires_at: string;
}

interface LedgerRow {
  idempotency_key: string;
  sync: string;
  row_key: string;
  content_hash: string;
  run_id: string;
  status: string;
  detail: string | null;
  created_at: string;
  updated_at: string;
}

type LedgerUpdate = Parameters<StateStore['resolveLedgerEntries']>[0][number];

/**
 * The state store over a knex instance on SQLite (better-sqlite3) or Postgres (pg). The store
 * owns the instance and destroys it on `close()`. Every failure is raised as a `StateError`
 * that names the operation and the store, with the configured secrets removed.
 */
export class KnexStateStore implements StateStore {
  readonly suppressions: SuppressionList;
  readonly #db: Knex;
  readonly #postgres: boolean;
  readonly #schema: string | undefined;
  readonly #description: string;
  readonly #secrets: readonly string[];
  readonly #logger: Logger;

  constructor(db: Knex, options: KnexStateStoreOptions) {
    const dialect = (db.client as { dialect?: string }).dialect;
    if (dialect !== 'postgresql' && dialect !== 'sqlite3') {
      const supported = 'SQLite (better-sqlite3) or Postgres (pg)';
      throw new StateError(`Unsupported state store database "${dialect}": use ${supported}.`);
    }

    this.#db = db;
    this.#postgres = dialect === 'postgresql';
    this.#schema = this.#postgres ? (options.schema ?? 'public') : undefined;
    this.#description = options.description;
    this.#secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
    this.#logger = options.logger ?? silentLogger;
    this.suppressions = new KnexSuppressionList(db, {
      description: this.#description,
      schema: this.#schema,
      secrets: this.#secrets,
    });
  }

  /**
   * Runs knex's migrator inside one transaction, so two processes starting at once cannot both
   * create the tables. On Postgres an advisory lock makes the second process wait. On SQLite the
   * second transaction can fail with SQLITE_BUSY, and is retried for up to `MIGRATION_RETRY_MS`.
   */
  async migrate(): Promise<void> {
    await this.#attempt('migrate the tables', async () => {
      const deadline = Date.now() + MIGRATION_RETRY_MS;

      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.#migrateOnce();
          return;
        } catch (error) {
          if (!isRetryableMigrationError(error) || Date.now() >= deadline) throw error;

          this.#logger.log('debug', 'state.migrate_retried', {
            attempt,
            error: this.#scrub(errorMessage(error)),
          });
          await sleep(Math.min(50 * attempt, 500));
        }
      }
    });
  }

  async #migrateOnce(): Promise<void> {
    await this.#db.transaction(async (trx) => {
      if (this.#postgres) await this.#preparePostgresSchema(trx);

      await trx.migrate.latest({
        migrationSource: new StateMigrationSource(this.#schema),
        tableName: MIGRATIONS_TABLE,
        schemaName: this.#schema,
      });
    });
  }

  async #preparePostgresSchema(trx: Knex.Transaction): Promise<void> {
    const schema = this.#schema ?? 'public';
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${MIGRATIONS_TABLE}:${schema}`]);

    // Postgres 15 checks the database CREATE privilege for CREATE SCHEMA IF NOT EXISTS even when
    // the schema exists. Looking first lets a role without that privilege use an existing schema.
    const existing = await trx('pg_namespace').where({ nspname: schema }).first('nspname');
    if (existing === undefined) await trx.raw('create schema ??', [schema]);
  }

  async createRun(run: RunRecord): Promise<void> {
    await this.#attempt(`create run "${run.id}"`, async () => {
      await this.#table(STATE_TABLES.runs).insert(toRunRow(run));
    });
  }

  async finishRun(id: string, status: RunStatus, error: string | null): Promise<void> {
    await this.#attempt(`finish run "${id}"`, async () => {
      const updated = await this.#table(STATE_TABLES.runs)
        .where({ id })
        .update({ status, error, finished_at: new Date().toISOString() });

      if (updated === 0) throw new Error(`no run with id "${id}" was created`);
    });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#attempt(`read run "${id}"`, async () => {
      const row = await this.#table<RunRow>(STATE_TABLES.runs).where({ id }).first();
      return row === undefined ? undefined : fromRunRow(row);
    });
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return this.#attempt('list runs', async () => {
      checkLimit(limit);
      const rows = await this.#table<RunRow>(STATE_TABLES.runs)
        .orderBy([
          { column: 'started_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit);
      return rows.map(fromRunRow);
    });
  }

  /** Inserts the model's record for the run, or replaces it when the run already has one. */
  async recordModelRun(record: ModelRunRecord): Promise<void> {
    const operation = `record model "${record.model}" of run "${record.runId}"`;
    await this.#attempt(operation, async () => {
      await this.#table(STATE_TABLES.modelRuns)
        .insert(toModelRunRow(record))
        .onConflict(['run_id', 'model'])
        .merge();
    });
  }

  async listModelRuns(runId: string): Promise<ModelRunRecord[]> {
    return this.#attempt(`list model runs of run "${runId}"`, async () => {
      const rows = await this.#table<ModelRunRow>(STATE_TABLES.modelRuns)
        .where({ run_id: runId })
        .orderBy('id');
      return rows.map(fromModelRunRow);
    });
  }

  /** Inserts the sync's record for the run, or replaces it when the run already has one. */
  async recordSyncRun(record: SyncRunRecord): Promise<void> {
    const operation = `record sync "${record.sync}" of run "${record.runId}"`;
    await this.#attempt(operation, async () => {
      await this.#table(STATE_TABLES.syncRuns)
        .insert(toSyncRunRow(record))
        .onConflict(['run_id', 'sync'])
        .merge();
    });
  }

  async listSyncRuns(runId: string): Promise<SyncRunRecord[]> {
    return this.#attempt(`list sync runs of run "${runId}"`, async () => {
      const rows = await this.#table<SyncRunRow>(STATE_TABLES.syncRuns)
        .where({ run_id: runId })
        .orderBy('id');
      return rows.map(fromSyncRunRow);
    });
  }

  /** Returns the most recently recorded run of the sync whose status is not `running`. */
  async lastSyncRun(sync: string): Promise<SyncRunRecord | undefined> {
    return this.#attempt(`read the last run of sync "${sync}"`, async () => {
      const row = await this.#table<SyncRunRow>(STATE_TABLES.syncRuns)
        .where({ sync })
        .whereNot({ status: 'running' })
        .orderBy('id', 'desc')
        .first();
      return row === undefined ? undefined : fromSyncRunRow(row);
    });
  }

  /** Inserts all records in one transaction, in chunks that fit the driver's limits. */
  async recordRejections(records: RejectionRecord[]): Promise<void> {
    if (records.length === 0) return;

    await this.#attempt(`record ${records.length} rejections`, async () => {
      const rows = records.map(toRejectionRow);
      await this.#db.transaction(async (trx) => {
        for (const batch of chunkRows(rows)) {
          await this.#table(STATE_TABLES.rejections, trx).insert(batch);
        }
      });
    });
  }

  async listRejections(runId: string, sync?: string, limit?: number): Promise<RejectionRecord[]> {
    return this.#attempt(`list rejections of run "${runId}"`, async () => {
      const query = this.#table<RejectionRow>(STATE_TABLES.rejections)
        .where({ run_id: runId })
        .orderBy('id');
      if (sync !== undefined) query.andWhere({ sync });
      if (limit !== undefined) {
        checkLimit(limit);
        query.limit(limit);
      }

      const rows = await query;
      return rows.map(fromRejectionRow);
    });
  }

  /**
   * Writes or takes over the lease in one transaction: an upsert that changes an existing row
   * only when its lease has expired or belongs to `owner`, then a read of the row to see who
   * holds it. The database serialises concurrent upserts of one name (the row lock on Postgres,
   * the single writer on SQLite), so exactly one of several racing owners gets the lease.
   * The same owner acquiring again extends its lease and takes the new run id.
   */
  async acquireLock(
    name: string,
    owner: string,
    runId: string,
    ttlMs: number,
  ): Promise<LockLease | undefined> {
    return this.#attempt(`acquire lock "${name}"`, async () => {
      checkTtl(ttlMs);
      const previous = await this.#table<LockRow>(STATE_TABLES.locks).where({ name }).first();

      const holder = await this.#db.transaction(async (trx) => {
        const now = await this.#currentTimeMs(trx);
        const row: LockRow = {
          name,
          owner,
          run_id: runId,
          acquired_at: new Date(now).toISOString(),
          expires_at: new Date(now + ttlMs).toISOString(),
        };

        await this.#table(STATE_TABLES.locks, trx)
          .insert(row)
          .onConflict('name')
          .merge(['owner', 'run_id', 'acquired_at', 'expires_at'])
          .where(`${STATE_TABLES.locks}.expires_at`, '<', row.acquired_at)
          .orWhere(`${STATE_TABLES.locks}.owner`, owner);

        return this.#table<LockRow>(STATE_TABLES.locks, trx).where({ name }).first();
      });

      if (holder?.owner !== owner) return undefined;

      this.#logTakeover(holder, previous);
      return toLockLease(holder);
    });
  }

  /** `previous` was read before the takeover, outside its transaction, so the event is advisory. */
  #logTakeover(holder: LockRow, previous: LockRow | undefined): void {
    if (previous === undefined || previous.owner === holder.owner) return;
    if (previous.expires_at >= holder.acquired_at) return;

    this.#logger.log('warn', 'state.lock_taken_over', {
      lock: holder.name,
      owner: holder.owner,
      runId: holder.run_id,
      previousOwner: previous.owner,
      previousRunId: previous.run_id,
      previousExpiresAt: previous.expires_at,
    });
  }

  /**
   * Extends the owner's lease to `ttlMs` from now. A lease that expired but that no other owner
   * took over is still the owner's and is renewed.
   */
  async renewLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#attempt(`renew lock "${name}"`, async () => {
      checkTtl(ttlMs);
      const now = await this.#currentTimeMs(this.#db);
      const updated = await this.#table(STATE_TABLES.locks)
        .where({ name, owner })
        .update({ expires_at: new Date(now + ttlMs).toISOString() });
      return updated > 0;
    });
  }

  /** Deletes the owner's lease. Does nothing when another owner holds the lock. */
  async releaseLock(name: string, owner: string): Promise<void> {
    await this.#attempt(`release lock "${name}"`, async () => {
      await this.#table(STATE_TABLES.locks).where({ name, owner }).delete();
    });
  }

  async getLedgerEntries(keys: string[]): Promise<Map<string, LedgerEntry>> {
    return this.#attempt(`read ${keys.length} ledger entries`, async () => {
      const entries = new Map<string, LedgerEntry>();

      for (const batch of chunk([...new Set(keys)], MAX_ROWS_PER_STATEMENT)) {
        const rows = await this.#table<LedgerRow>(STATE_TABLES.ledger).whereIn(
          'idempotency_key',
          batch,
        );
        for (const row of rows) entries.set(row.idempotency_key, fromLedgerRow(row));
      }

      return entries;
    });
  }

  /** Inserts `pending` rows whatever `status` the entries carry. Existing keys stay as they are. */
  async recordLedgerIntents(entries: LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;

    await this.#attempt(`record ${entries.length} ledger intents`, async () => {
      const now = new Date().toISOString();
      const rows = entries.map((entry) => toLedgerRow(entry, now));

      await this.#db.transaction(async (trx) => {
        for (const batch of chunkRows(rows)) {
          await this.#table(STATE_TABLES.ledger, trx)
            .insert(batch)
            .onConflict('idempotency_key')
            .ignore();
        }
      });
    });
  }

  /**
   * Updates the entries in one transaction. When a key appears twice the last update wins.
   * Raises after committing the others when a key has no entry, because that means the
   * intent was never written before the call.
   */
  async resolveLedgerEntries(updates: LedgerUpdate[]): Promise<void> {
    if (updates.length === 0) return;

    await this.#attempt(`resolve ${updates.length} ledger entries`, async () => {
      const latest = new Map(updates.map((update) => [update.idempotencyKey, update]));
      for (const update of latest.values()) checkLedgerStatus(update.status);

      const updated = await this.#applyLedgerUpdates(groupLedgerUpdates(latest.values()));
      if (updated < latest.size) await this.#raiseMissingLedgerKeys([...latest.keys()]);
    });
  }

  async #applyLedgerUpdates(groups: Map<string, LedgerUpdate[]>): Promise<number> {
    const now = new Date().toISOString();

    return this.#db.transaction(async (trx) => {
      let updated = 0;
      for (const group of groups.values()) {
        const { status, detail } = group[0]!;
        const keys = group.map((update) => update.idempotencyKey);

        for (const batch of chunk(keys, MAX_ROWS_PER_STATEMENT)) {
          updated += await this.#table(STATE_TABLES.ledger, trx)
            .whereIn('idempotency_key', batch)
            .update({ status, detail, updated_at: now });
        }
      }
      return updated;
    });
  }

  async #raiseMissingLedgerKeys(keys: string[]): Promise<never> {
    const found = await this.getLedgerEntries(keys);
    const missing = keys.filter((key) => !found.has(key));
    const examples = missing.slice(0, 3).map((key) => `"${key}"`).join(', ');

    throw new Error(
      `${missing.length} idempotency keys have no ledger entry (for example ${examples}). ` +
        'Record the intents before the call.',
    );
  }

  async close(): Promise<void> {
    await this.#attempt('close the connection', () => this.#db.destroy());
  }

  #table<Row extends object = object>(
    name: string,
    db: Knex | Knex.Transaction = this.#db,
  ): Knex.QueryBuilder<Row> {
    const query = db<Row>(name);
    return this.#schema === undefined ? query : query.withSchema(this.#schema);
  }

  /**
   * Returns the time that leases are measured against: the database server's clock on Postgres,
   * so that processes on hosts with skewed clocks agree, and this process's clock on SQLite,
   * whose file is shared only by processes on one host.
   */
  async #currentTimeMs(db: Knex | Knex.Transaction): Promise<number> {
    if (!this.#postgres) return Date.now();

    const result = await db.raw<{ rows: { now: Date }[] }>('select clock_timestamp() as now');
    return result.rows[0]!.now.getTime();
  }

  async #attempt<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof StateError) throw error;

      const cause = this.#scrub(errorMessage(error));
      throw new StateError(
        `Failed to ${operation} in the state store (${this.#description}): ${cause}`,
        { cause: error },
      );
    }
  }

  #scrub(text: string): string {
    let result = text;
    for (const secret of this.#secrets) result = result.split(secret).join(REDACTED);
    return result;
  }
}

function toRunRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    error: run.error,
    options: JSON.stringify(run.options),
  };
}

function fromRunRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    trigger: row.trigger as RunRecord['trigger'],
    status: row.status as RunStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    options: JSON.parse(row.options) as Record<string, unknown>,
  };
}

function toModelRunRow(record: ModelRunRecord): ModelRunRow {
  return {
    run_id: record.runId,
    model: record.model,
    version: record.version,
    status: record.status,
    row_count: record.rowCount,
    duration_ms: Math.round(record.durationMs),
    error: record.error,
    recorded_at: new Date().toISOString(),
  };
}

function fromModelRunRow(row: ModelRunRow): ModelRunRecord {
  return {
    runId: row.run_id,
    model: row.model,
    version: row.version,
    status: row.status as ModelRunRecord['status'],
    rowCount: row.row_count === null ? null : toInteger(row.row_count),
    durationMs: toInteger(row.duration_ms),
    error: row.error,
  };
}

function toSyncRunRow(record: SyncRunRecord): SyncRunRow {
  return {
    run_id: record.runId,
    sync: record.sync,
    status: record.status,
    model_version: record.modelVersion,
    mapping_version: record.mappingVersion,
    ...record.counts,
    duration_ms: Math.round(record.durationMs),
    error: record.error,
    detail: record.detail,
    recorded_at: new Date().toISOString(),
  };
}

function fromSyncRunRow(row: SyncRunRow): SyncRunRecord {
  return {
    runId: row.run_id,
    sync: row.sync,
    status: row.status as SyncRunRecord['status'],
    modelVersion: row.model_version,
    mappingVersion: row.mapping_version,
    counts: {
      added: toInteger(row.added),
      changed: toInteger(row.changed),
      removed: toInteger(row.removed),
      accepted: toInteger(row.accepted),
      rejected: toInteger(row.rejected),
      skipped: toInteger(row.skipped),
    },
    durationMs: toInteger(row.duration_ms),
    error: row.error,
    detail: row.detail,
  };
}

function toRejectionRow(record: RejectionRecord): RejectionRow {
  return {
    run_id: record.runId,
    sync: record.sync,
    row_key: record.key,
    operation: record.operation,
    reason: record.reason,
  };
}

function fromRejectionRow(row: RejectionRow): RejectionRecord {
  return {
    runId: row.run_id,
    sync: row.sync,
    key: row.row_key,
    operation: row.operation,
    reason: row.reason,
  };
}

function toLockLease(row: LockRow): LockLease {
  return { name: row.name, owner: row.owner, runId: row.run_id, expiresAt: row.expires_at };
}

function toLedgerRow(entry: LedgerEntry, now: string): LedgerRow {
  return {
    idempotency_key: entry.idempotencyKey,
    sync: entry.sync,
    row_key: entry.rowKey,
    content_hash: entry.contentHash,
    run_id: entry.runId,
    status: 'pending',
    detail: entry.detail,
    created_at: now,
    updated_at: now,
  };
}

function fromLedgerRow(row: LedgerRow): LedgerEntry {
  return {
    idempotencyKey: row.idempotency_key,
    sync: row.sync,
    rowKey: row.row_key,
    contentHash: row.content_hash,
    runId: row.run_id,
    status: row.status as LedgerStatus,
    detail: row.detail,
  };
}

/** Groups updates that set the same status and detail, so each group is one UPDATE per chunk. */
function groupLedgerUpdates(updates: Iterable<LedgerUpdate>): Map<string, LedgerUpdate[]> {
  const groups = new Map<string, LedgerUpdate[]>();
  for (const update of updates) {
    const groupKey = JSON.stringify([update.status, update.detail]);
    const group = groups.get(groupKey);
    if (group === undefined) groups.set(groupKey, [update]);
    else group.push(update);
  }
  return groups;
}

/** Converts a 64-bit integer column; pg returns int8 as a string to keep its precision. */
function toInteger(value: number | string | bigint): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new Error(`integer column value ${String(value)} is outside the safe integer range`);
  }
  return result;
}

function chunkRows<T extends object>(rows: readonly T[]): T[][] {
  const columns = rows.length === 0 ? 1 : Object.keys(rows[0]!).length;
  const size = Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_BINDINGS_PER_STATEMENT / columns));
  return chunk(rows, size);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new Error(`invalid limit ${limit}: expected a positive integer`);
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new Error(`invalid lease duration ${ttlMs} ms: expected a positive number`);
  }
}

function checkLedgerStatus(status: string): void {
  if (!LEDGER_STATUSES.has(status)) {
    throw new Error(`invalid ledger status "${status}": expected pending, sent or rejected`);
  }
}

/**
 * Returns true for SQLITE_BUSY and for knex's `MigrationLocked`, which is how knex reports
 * SQLITE_BUSY while it takes its own migration lock (the SQLite error code is lost there).
 */
function isRetryableMigrationError(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return name === 'MigrationLocked' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}
