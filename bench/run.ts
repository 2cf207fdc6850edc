/**
 * `npm run bench`: runs every benchmark suite (bench/suites.ts), prints its table and merges its
 * figures into bench/results.json. See docs/benchmarks.md.
 *
 * `npm run bench -- --only diff,sync_memory` runs the named suites and keeps the others' figures.
 * `npm run bench -- --scale 0.1` runs every step on a tenth of the rows, as a quick check of
 * the benchmark itself, and does not write results.json.
 */
import os from 'node:os';
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.js';
import { PeakRss } from './peak-rss.js';
import { mergeSuite, readResults, writeResults } from './results.js';
import type { BenchContext, BenchSuite } from './suite.js';
import { suites } from './suites.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const TEMP_DIR = join(BENCH_DIR, 'tmp');
const RESULTS_FILE = join(BENCH_DIR, 'results.json');

interface BenchArgs {
  scale: number;
  selected: BenchSuite[];
}

function parseArgs(args: string[]): BenchArgs {
  const valueOf = (flag: string) => {
    const index = args.indexOf(flag);
    return index === -1 ? undefined : (args[index + 1] ?? '');
  };

  const scaleText = valueOf('--scale');
  const scale = scaleText === undefined ? 1 : Number(scaleText);
  if (!(scale > 0 && scale <= 1)) {
    throw new Error(`invalid --scale value ${scaleText || '(missing)'}: use a number above 0 and at most 1, such as 0.1`);
  }

  const only = valueOf('--only');
  if (only === undefined) return { scale, selected: suites };
  const names = only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`invalid --only value ${only || '(missing)'}: use suite names separated by commas, from ${suites.map((suite) => suite.name).join(', ')}`);
  }
  return { scale, selected: suites.filter((suite) => names.includes(suite.name)) };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const { scale, selected } = parseArgs(process.argv.slice(2));
  const results = await readResults(RESULTS_FILE);
  await mkdir(TEMP_DIR, { recursive: true });
  const created: string[] = [];
  const context: BenchContext = {
    scale,
    rows: (count) => Math.max(1, Math.round(count * scale)),
    tempPath(name) {
      const path = join(TEMP_DIR, name);
      created.push(path);
      return path;
    },
    log,
  };

  try {
    for (const suite of selected) {
      log(`suite ${suite.name}: starting`);
      const machine = await describeMachine();
      const memory = new PeakRss();
      const started = performance.now();
      const result = await suite.run(context);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(`\n${describeRun(machine, seconds)}\n${result.report.join('\n')}\n`);
      mergeSuite(results, suite, result, {
        machine: { ...machine, loadAverageAtEnd: os.loadavg()[0]! },
        seconds: Math.round(seconds),
        mainProcessPeakRssMb: Math.round(memory.stop().peakMb),
      });
    }
    if (scale === 1) {
      await writeResults(RESULTS_FILE, results);
      log(`wrote ${RESULTS_FILE}`);
    } else {
      process.stdout.write(`\nScaled run (--scale ${scale}): row counts differ from the names of the figures; results.json was not written.\n`);
    }
  } finally {
    await removeTempFiles(created);
  }
}

function describeRun(machine: Awaited<ReturnType<typeof describeMachine>>, seconds: number): string {
  return [
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, DuckDB ${machine.duckdb}`,
    `Date: ${machine.date}. Load average (1 min) at start ${machine.loadAverageAtStart.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}. Took ${Math.round(seconds)} s.`,
  ].join('\n');
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
