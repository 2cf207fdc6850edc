import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../src/run/run-summary.js';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { KEY_COLUMN, MAPPED_COLUMNS, customersSelect, type CustomerVariant } from './generate.js';
import { watchProcess, type WatchedProcess } from './watch-process.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SYNC_NAME = 'customers_export';
const DATABASE_FILE = '.sluice/warehouse.duckdb';
const RAW_TABLE = { schema: 'raw', name: 'customers' };
const MODEL_TABLE = '"analytics"."customers"';
/**
 * DuckDB `memory_limit` of the third sync run: far above Sluice's default, close to DuckDB's own
 * default of 80% of RAM, to show what the default cap saves.
 */
export const UNCAPPED_MEMORY_LIMIT = '8GB';
const REPO_DIR = join(BENCH_DIR, '..');
const CLI = join(REPO_DIR, 'bin', 'sluice.js');

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

/** What watchProcess measured of one child process, without its output. */
export type WatchedRun = Omit<WatchedProcess, 'stdout'>;

export interface SyncMemoryResult {
  rows: number;
  /** First run: every row is added. */
  initial: SyncRunMeasurement;
  /** Second run, after every row changed: the run the headline figure comes from. */
  changed: SyncRunMeasurement;
  /** Third run, every row changed back, with DuckDB's memory_limit raised to UNCAPPED_MEMORY_LIMIT. */
  changedUncapped: SyncRunMeasurement;
  materialise: MaterialiseMeasurement;
}

/**
 * Writes a project whose model has `rows` customers and one upsert sync to the file
 * destination. Then it measures four runs, each in its own child process. The first sync adds
 * every row, the second follows a change to every row (both with Sluice's default settings), and
 * the third follows a change of every row back, with DuckDB's memory_limit raised. The last is
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
    await writeProjectFile(projectDir, UNCAPPED_MEMORY_LIMIT);
    log(`sync ${rows} rows: third run, every row changed back, DuckDB memory_limit ${UNCAPPED_MEMORY_LIMIT}`);
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

/** Writes sluice.yml, with Sluice's default DuckDB memory limit unless `memoryLimit` is given. */
async function writeProjectFile(dir: string, memoryLimit: string | undefined): Promise<void> {
  const limit = memoryLimit ? `, memory_limit: ${memoryLimit}` : '';
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

/**
 * Runs `sluice run --json` on the project as a user would, through bin/sluice.js on the compiled
 * build, and reads its counts and timings from the JSON summary it prints.
 */
async function measureSyncRun(projectDir: string): Promise<SyncRunMeasurement> {
  const before = new Set(await outputFiles(projectDir));
  const { stdout, ...measured } = await watchProcess(process.execPath, [CLI, '--project', projectDir, 'run', '--json']);
  const summary = JSON.parse(stdout) as RunSummary;
  const sync = summary.syncs[0];
  if (summary.status !== 'success' || !sync) {
    throw new Error(`benchmark run ended with status ${summary.status}: ${summary.error ?? sync?.error ?? 'no error recorded'}`);
  }
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

/**
 * Compiles src/ into dist/ so that the runs measure the compiled CLI. bin/sluice.js would fall
 * back to the TypeScript sources, and a loader thread, if the build were older than them.
 */
export async function buildCli(log: (message: string) => void): Promise<void> {
  log('compiling the CLI (npm run build)');
  await watchProcess(process.execPath, [join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_DIR, 'tsconfig.build.json')]);
}
