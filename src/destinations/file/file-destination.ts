/**
 * Writes change records to one JSON Lines or CSV file per sync and run. Every line or row has
 * `_op` (the operation), `_key` (the record key) and the fields. Deletes and removes carry the
 * previous fields, because those name what to remove. A new run never appends to an earlier
 * file, so a retried run cannot duplicate lines in it.
 */
import path from 'node:path';
import { DestinationError, errorMessage } from '../../core/errors.js';
import type { CanonicalValue, Row } from '../../core/values.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import { csvLine } from './csv.js';
import { widenCsvFile } from './csv-widen.js';
import { type FileAccount, type FileSyncOptions, renderFileName } from './file-config.js';
import { type FileRewrite, OutputFile } from './output-file.js';

const OPERATION_COLUMN = '_op';
const KEY_COLUMN = '_key';

export class FileDestination implements Destination {
  readonly capabilities: DestinationCapabilities = {
    operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove', 'send'],
    // A file takes any batch size. Small batches die young in V8's heap instead of piling up
    // in the old generation until a full collection, which keeps a large sync's memory flat.
    maxBatchSize: 1_000,
    // One writer per file; batches are also queued internally if the engine sends them at once.
    maxConcurrency: 1,
    // Each run writes its own file, so repeating a run never duplicates lines in a file.
    idempotent: true,
  };

  readonly finalPath: string;
  readonly #format: FileSyncOptions['format'];
  #file: OutputFile | undefined;
  #acceptedRows = 0;
  /** CSV columns in header order; fields first seen after the header was written go last. */
  readonly #columns: string[] = [];
  #headerColumnCount = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(account: FileAccount, options: FileSyncOptions, context: DestinationContext) {
    this.#format = options.format;
    this.finalPath = resolveOutputPath(account, options, context);
  }

  write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const result = this.#queue.then(() => this.#writeBatch(records));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Syncs the file and renames it into place; a run that accepted no row leaves no file. */
  async flush(): Promise<void> {
    await this.#queue;
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;

    try {
      if (this.#acceptedRows === 0) {
        await file.discard();
        return;
      }
      await file.commit(this.#csvRewrite());
    } catch (error) {
      throw new DestinationError(`Could not finish ${this.finalPath}: ${errorMessage(error)}`, {
        retryable: false,
        cause: error,
      });
    }
  }

  /**
   * Discards the temporary file if `flush` was never called: the run stopped before its
   * snapshot could advance, so the next run sends these rows again into a file of its own.
   */
  async close(): Promise<void> {
    await this.#queue;
    const file = this.#file;
    this.#file = undefined;
    await file?.discard();
  }

  async #writeBatch(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    const rows: { record: ChangeRecord; values: Row }[] = [];
    for (const record of records) {
      const values = deliveredValues(record);
      const clash = [OPERATION_COLUMN, KEY_COLUMN].find((name) => Object.hasOwn(values, name));
      if (clash) {
        outcomes.push({ status: 'rejected', reason: reservedFieldReason(clash) });
        continue;
      }
      rows.push({ record, values });
      outcomes.push({ status: 'accepted' });
    }
    if (rows.length === 0) return outcomes;

    const file = await this.#openFile();
    const lines = this.#format === 'csv' ? this.#csvLines(rows) : jsonLines(rows);
    try {
      await file.append(lines);
    } catch (error) {
      throw new DestinationError(`Could not write ${file.tempPath}: ${errorMessage(error)}`, {
        retryable: false,
        cause: error,
      });
    }
    this.#acceptedRows += rows.length;
    return outcomes;
  }

  async #openFile(): Promise<OutputFile> {
    if (this.#file) return this.#file;
    try {
      this.#file = await OutputFile.create(this.finalPath);
    } catch (error) {
      const message = `Could not create a file next to ${this.finalPath}: ${errorMessage(error)}`;
      throw new DestinationError(message, { retryable: false, cause: error });
    }
    return this.#file;
  }

  #csvLines(rows: { record: ChangeRecord; values: Row }[]): string[] {
    const lines: string[] = [];
    const isFirstBatch = this.#columns.length === 0;
    if (isFirstBatch) this.#columns.push(OPERATION_COLUMN, KEY_COLUMN);
    for (const { values } of rows) {
      for (const name of Object.keys(values)) {
        if (!this.#columns.includes(name)) this.#columns.push(name);
      }
    }
    if (isFirstBatch) {
      this.#headerColumnCount = this.#columns.length;
      lines.push(csvLine(this.#columns));
    }

    for (const { record, values } of rows) {
      const cells: (CanonicalValue | undefined)[] = [record.operation, record.key];
      for (const name of this.#columns.slice(2)) cells.push(values[name]);
      lines.push(csvLine(cells));
    }
    return lines;
  }

  /**
   * Returns the rewrite that puts fields first seen after the header into the header, or
   * undefined when the header already has every column.
   */
  #csvRewrite(): FileRewrite | undefined {
    if (this.#format !== 'csv') return undefined;
    if (this.#columns.length === this.#headerColumnCount) return undefined;

    const header = csvLine(this.#columns);
    const width = this.#columns.length;
    return (source, target) => widenCsvFile(source, target, header, width);
  }
}

/** Returns the run's file path, which must stay inside the account's directory. */
function resolveOutputPath(
  account: FileAccount,
  options: FileSyncOptions,
  context: DestinationContext,
): string {
  const directory = path.resolve(context.projectDir, account.directory);
  const fileName = renderFileName(options.file, context.syncName, context.runId);
  const finalPath = path.resolve(directory, fileName);
  const relative = path.relative(directory, finalPath);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new DestinationError(
      `File name "${fileName}" resolves outside the directory ${directory}; ` +
        'use a relative path without ".." in destination_options.file',
      { retryable: false },
    );
  }
  return finalPath;
}

/** Deletes and removes deliver the previous fields, because those name what to remove. */
function deliveredValues(record: ChangeRecord): Row {
  const removes = record.operation === 'delete' || record.operation === 'remove';
  return (removes ? record.previous : record.fields) ?? record.previous ?? {};
}

function reservedFieldReason(name: string): string {
  return (
    `field "${name}" clashes with the column the file destination adds for the ` +
    `${name === OPERATION_COLUMN ? 'operation' : 'record key'}; rename it in the sync's mapping`
  );
}

function jsonLines(rows: { record: ChangeRecord; values: Row }[]): string[] {
  return rows.map(({ record, values }) => {
    const line = { [OPERATION_COLUMN]: record.operation, [KEY_COLUMN]: record.key, ...values };
    return `${JSON.stringify(line)}\n`;
  });
}
