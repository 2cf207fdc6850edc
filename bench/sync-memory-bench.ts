import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { KEY_COLUMN, MAPPED_COLUMNS, customersSelect, type CustomerVariant } from './generate.js';
import { RESULT_PREFIX, type PeakMemory } from './peak-rss.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SYNC_NAME = 'customers_export';
const DATABASE_FILE = '.sluice/warehouse.duckdb';
const RAW_TABLE = { schema: 'raw', name: 'customers' };
const MODEL_TABLE = '"analytics"."customers"';
/** DuckDB `memory_limit` of the third sync run, which shows how much of the peak that setting caps. */
export const CAPPED_MEMORY_LIMIT = '256MB';

export interface SyncRunMeasurement extends PeakMemory {
  /** RSS after the child loaded its modules and the project, before the run. */
  baselineMb: number;
  seconds: number;
  modelSeconds: number;
  syncSeconds: number;
  counts: { added: number; changed: number; removed: number; accepted: number; rejected: number; skipped: number };
  /** Lines in the file the run wrote. */
  linesWritten: number;
}

export interface MaterialiseMeasurement extends PeakMemory {
  baselineMb: number;
  seconds: number;
  rows: number;
}

export interface SyncMemoryResult {
  rows: number;
  /** First run: every row is added. */
  initial: SyncRunMeasurement;
  /** Second run, after every row changed: the run the headline figure comes from. */
  changed: SyncRunMeasurement;
  /** Third run, every row changed back, with DuckDB's memory_limit set to CAPPED_MEMORY_LIMIT. */
  changedCapped: SyncRunMeasurement;
  materialise: MaterialiseMeasurement;
}

/**
 * Writes a project whose model has `rows` customers and one upsert sync to the file
 * destination. Then it measures four runs, each in its own child process. The first sync adds
 * every row, the second follows a change to every row, and the third follows a change of every
 * row back, with DuckDB's memory_limit set. The last is the simple alternative, which
 * materialises the model's rows and writes them in one go.
 */
export async function runSyncMemoryBench(options: { rows: number; projectDir: string; log: (message: string) => void }): Promise<SyncMemoryResult> {
  const { rows, projectDir, log } = options;
  await rm(projectDir, { recursive: true, force: true });
  try {
    await writeBenchProject(projectDir);
    await replaceRawCustomers(projectDir, rows, 'base');

    log(`sync ${rows} rows: first run, every row added`);
    const initial = await measureSyncRun(projectDir);
    await replaceRawCustomers(projectDir, rows, 'all_changed');
    log(`sync ${rows} rows: second run, every row changed`);
    const changed = await measureSyncRun(projectDir);
    await replaceRawCustomers(projectDir, rows, 'base');
    await writeProjectFile(projectDir, CAPPED_MEMORY_LIMIT);
    log(`sync ${rows} rows: third run, every row changed back, DuckDB memory_limit ${CAPPED_MEMORY_LIMIT}`);
    const changedCapped = await measureSyncRun(projectDir);

    log(`sync ${rows} rows: simple alternative, every row in memory`);
    const materialise = await runChild<MaterialiseMeasurement>('child-materialise.ts', [
      join(projectDir, DATABASE_FILE),
      MODEL_TABLE,
      join(projectDir, 'materialised.jsonl'),
    ]);
    return { rows, initial, changed, changedCapped, materialise };
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

/** Writes sluice.yml, with DuckDB's default memory limit unless `memoryLimit` is given. */
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

async function measureSyncRun(projectDir: string): Promise<SyncRunMeasurement> {
  const before = new Set(await outputFiles(projectDir));
  const measured = await runChild<Omit<SyncRunMeasurement, 'linesWritten'>>('child-sync.ts', [projectDir]);
  const written = (await outputFiles(projectDir)).filter((file) => !before.has(file));
  if (written.length !== 1) throw new Error(`expected the run to write one file, found ${written.length}`);
  return { ...measured, linesWritten: await countLines(written[0]!) };
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
 * Runs a bench script in a new Node process, so that its peak RSS is its own, and returns the
 * object it printed after RESULT_PREFIX. Rejects with the child's stderr if it fails.
 */
function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new Error(`bench/${script} failed with exit code ${code}:\n${stderr.trim() || stdout.trim()}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}
