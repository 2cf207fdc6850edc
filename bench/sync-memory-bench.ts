import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { KEY_COLUMN, MAPPED_COLUMNS, customersSelect, type CustomerVariant } from './generate.js';
import { buildCli, runCli } from './cli-run.js';
import { watchProcess, type WatchedProcess } from './watch-process.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SYNC_NAME = 'customers_export';
const DATABASE_FILE = '.sluice/warehouse.duckdb';
const RAW_TABLE = { schema: 'raw', name: 'customers' };
const MODEL_TABLE = '"analytics"."customers"';

export interface SyncRunMeasurement extends WatchedRun {
  modelSeconds: number;
  syncSeconds: number;
  counts: { added: number; changed: number; removed: number; accepted: number; rejected: number; skipped: number };
  /** Lines in the file the run wrote. */
  linesWritten: number;
}

export interface MaterialiseMeasurement extends WatchedRun {
  rows: number;
}

/** Measurements of one child process by watchProcess, without its output. */
export type WatchedRun = Omit<WatchedProcess, 'stdout'>;

export interface SyncMemoryResult {
  rows: number;
  /** First run: every row is added. */
  initial: SyncRunMeasurement;
  /** Second run, after every row changed: the run the headline figure comes from. */
  changed: SyncRunMeasurement;
  /** Third run, every row changed back, with `sync_memory_limit: off`: what the cap saves. */
  changedUncapped: SyncRunMeasurement;
  materialise: MaterialiseMeasurement;
}

/**
 * Writes a project whose model has `rows` customers and one upsert sync to the file
 * destination. Then it measures four runs, each in its own child process. The first sync adds
 * every row, the second follows a change to every row (both with default settings), and the third
 * follows a change of every row back, with the sync memory cap turned off. The last is
 * the simple alternative, which materialises the model's rows and writes them in one go.
 */
export async function runSyncMemoryBench(options: { rows: number; projectDir: string; log: (message: string) => void }): Promise<SyncMemoryResult> {
  const { rows, projectDir, log } = options;
  await rm(projectDir, { recursive: true, force: true });
  try {
    await buildCli(log);
    await writeBenchProject(projectDir);
    await replaceRawCustomers(projectDir, rows, 'base');

    log(`sync ${rows} rows: first run, every row added`);
    const initial = await measureSyncRun(projectDir);
    await replaceRawCustomers(projectDir, rows, 'all_changed');
    log(`sync ${rows} rows: second run, every row changed`);
    const changed = await measureSyncRun(projectDir);
    await replaceRawCustomers(projectDir, rows, 'base');
    await writeProjectFile(projectDir, 'off');
    log(`sync ${rows} rows: third run, every row changed back, sync_memory_limit off`);
    const changedUncapped = await measureSyncRun(projectDir);

    log(`sync ${rows} rows: simple alternative, every row in memory`);
    const { stdout, ...measured } = await watchProcess(process.execPath, [
      join(BENCH_DIR, 'child-materialise.mjs'),
      join(projectDir, DATABASE_FILE),
      MODEL_TABLE,
      KEY_COLUMN,
      join(projectDir, 'materialised.jsonl'),
      ...MAPPED_COLUMNS,
    ]);
    const materialise = { ...measured, rows: (JSON.parse(stdout) as { rows: number }).rows };
    return { rows, initial, changed, changedUncapped, materialise };
  } finally {
    await rm(projectDir, { recursive: true, force: true });
  }
}

async function writeBenchProject(dir: string): Promise<void> {
  await writeProjectFile(dir, undefined);
  const mapping = MAPPED_COLUMNS.map((name) => `  ${name}: ${name}`).join('\n');
  const files: Record<string, string> = {
    'models/customers.sql': 'SELECT * FROM {{source "raw" "customers"}}\n',
    'models/customers.yml': `primary_key: ${KEY_COLUMN}\n`,
    [`syncs/${SYNC_NAME}.yml`]: `model: customers
destination: files
mode: upsert
mapping:
${mapping}
destination_options: { format: jsonl }
`,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** Writes sluice.yml, with the default sync memory cap unless `syncMemoryLimit` is given. */
async function writeProjectFile(dir: string, syncMemoryLimit: string | undefined): Promise<void> {
  const limit = syncMemoryLimit ? `, sync_memory_limit: ${syncMemoryLimit}` : '';
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'sluice.yml'),
    `name: sluice_bench
warehouse: { type: duckdb, path: ${DATABASE_FILE}, schema: analytics, internal_schema: sluice${limit} }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  raw:
    tables:
      customers: { table: ${RAW_TABLE.name}, schema: ${RAW_TABLE.schema} }
destinations:
  files: { type: file, directory: out }
`,
  );
}

/** Rebuilds the raw table the model reads. The child processes open the database only afterwards. */
async function replaceRawCustomers(projectDir: string, rows: number, variant: CustomerVariant): Promise<void> {
  const warehouse = await DuckDBAdapter.open({ path: join(projectDir, DATABASE_FILE) });
  try {
    await warehouse.ensureSchema(RAW_TABLE.schema);
    await warehouse.execute(warehouse.dialect.createTableAs(RAW_TABLE, customersSelect(rows, variant)));
    await warehouse.execute('CHECKPOINT');
  } finally {
    await warehouse.close();
  }
}

/** Runs the sync through the CLI and counts the lines of the file it wrote. */
async function measureSyncRun(projectDir: string): Promise<SyncRunMeasurement> {
  const before = new Set(await outputFiles(projectDir));
  const { summary, sync, ...measured } = await runCli(projectDir);
  const written = (await outputFiles(projectDir)).filter((file) => !before.has(file));
  if (written.length !== 1) throw new Error(`expected the run to write one file, found ${written.length}`);
  return {
    ...measured,
    modelSeconds: summary.models.reduce((sum, model) => sum + model.durationMs, 0) / 1000,
    syncSeconds: sync.durationMs / 1000,
    counts: sync.counts,
    linesWritten: await countLines(written[0]!),
  };
}

async function outputFiles(projectDir: string): Promise<string[]> {
  const dir = join(projectDir, 'out', SYNC_NAME);
  const names = await readdir(dir).catch(() => []);
  return names.filter((name) => name.endsWith('.jsonl')).map((name) => join(dir, name));
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 0x0a) lines += 1;
  }
  return lines;
}
