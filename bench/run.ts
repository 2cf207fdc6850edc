/**
 * `npm run bench`: measures the in-warehouse diff against a hand-written diff in Node, how the
 * diff scales from 1M to 10M rows, and the peak memory of a 1M-row sync to the file destination.
 * Prints a table and writes bench/results.json. See docs/benchmarks.md.
 *
 * `npm run bench -- --scale 0.1` runs every step on a tenth of the rows, as a quick check of
 * the benchmark itself, and does not write results.json.
 */
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDiffBench } from './diff-bench.js';
import { describeMachine } from './machine.js';
import { PeakRss } from './peak-rss.js';
import { buildResults, formatReport } from './report.js';
import { runSyncMemoryBench } from './sync-memory-bench.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const TEMP_DIR = join(BENCH_DIR, 'tmp');
const RESULTS_FILE = join(BENCH_DIR, 'results.json');

const SMALL_ROWS = 1_000_000;
const LARGE_ROWS = 10_000_000;
const SYNC_ROWS = 1_000_000;
const SMALL_PLAN_RUNS = 5;
const LARGE_PLAN_RUNS = 3;
const NAIVE_RUNS = 2;

function parseScale(args: string[]): number {
  const index = args.indexOf('--scale');
  if (index === -1) return 1;
  const scale = Number(args[index + 1]);
  if (!(scale > 0 && scale <= 1)) {
    throw new Error(`invalid --scale value ${args[index + 1] ?? '(missing)'}: use a number above 0 and at most 1, such as 0.1`);
  }
  return scale;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const scale = parseScale(process.argv.slice(2));
  const rows = (count: number) => Math.round(count * scale);
  const started = performance.now();
  const memory = new PeakRss();
  const machine = await describeMachine();
  await mkdir(TEMP_DIR, { recursive: true });

  const created: string[] = [];
  const tempPath = (name: string) => {
    const path = join(TEMP_DIR, name);
    created.push(path);
    return path;
  };
  try {
    const small = await runDiffBench({
      rows: rows(SMALL_ROWS),
      databasePath: tempPath('diff-small.duckdb'),
      planRepetitions: SMALL_PLAN_RUNS,
      naiveRepetitions: NAIVE_RUNS,
      log,
    });
    const large = await runDiffBench({
      rows: rows(LARGE_ROWS),
      databasePath: tempPath('diff-large.duckdb'),
      planRepetitions: LARGE_PLAN_RUNS,
      naiveRepetitions: 0,
      log,
    });
    const syncMemory = await runSyncMemoryBench({ rows: rows(SYNC_ROWS), projectDir: tempPath('sync-project'), log });

    const results = buildResults({
      small,
      large,
      syncMemory,
      machine,
      scale,
      mainProcessPeakMb: memory.stop().peakMb,
      totalSeconds: (performance.now() - started) / 1000,
    });
    process.stdout.write(`${formatReport(results)}\n`);
    if (scale === 1) {
      await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
      log(`wrote ${RESULTS_FILE}`);
    }
  } finally {
    await removeTempFiles(created);
  }
}

/** Removes what this run created under bench/tmp, and the folder itself when nothing else is left in it. */
async function removeTempFiles(paths: string[]): Promise<void> {
  for (const path of paths) {
    await rm(path, { recursive: true, force: true });
    await rm(`${path}.wal`, { force: true });
  }
  const remaining = await readdir(TEMP_DIR).catch(() => []);
  if (remaining.length === 0) await rmdir(TEMP_DIR).catch(() => undefined);
}

await main();
