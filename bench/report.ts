import os from 'node:os';
import type { DiffBenchResult } from './diff-bench.js';
import type { MachineInfo } from './machine.js';
import { round } from './measure.js';
import { CAPPED_MEMORY_LIMIT, type SyncMemoryResult, type SyncRunMeasurement } from './sync-memory-bench.js';

/** Targets the headline figures are checked against. */
export const TARGETS = {
  diffSpeedupVsNaive: 30,
  diffScaling: 15,
  syncPeakRssMb: 400,
};

export interface BenchResults {
  diff_speedup_vs_naive_1m: number;
  diff_scaling_10m_over_1m: number;
  /** The same two ratios from CPU seconds, which other load on the machine inflates less than wall time. */
  diff_speedup_vs_naive_1m_cpu: number;
  diff_scaling_10m_over_1m_cpu: number;
  sync_peak_rss_mb_1m_changed: number;
  sync_rows_per_second_1m_changed: number;
  /** The same sync with DuckDB's memory_limit set to CAPPED_MEMORY_LIMIT. */
  sync_peak_rss_mb_1m_changed_memory_limit: number;
  materialise_peak_rss_mb_1m: number;
  materialise_over_sync_peak_rss: number;
  targets: Record<string, { target: string; met: boolean }>;
  diff: { small: DiffBenchResult; large: DiffBenchResult };
  sync_memory: SyncMemoryResult;
  machine: MachineInfo & { loadAverageAtEnd: number };
  scale: number;
  /** Peak RSS of the benchmark's main process, which runs both diffs, in MB. */
  main_process_peak_rss_mb: number;
  total_seconds: number;
}

export function buildResults(input: {
  small: DiffBenchResult;
  large: DiffBenchResult;
  syncMemory: SyncMemoryResult;
  machine: MachineInfo;
  scale: number;
  mainProcessPeakMb: number;
  totalSeconds: number;
}): BenchResults {
  const { small, large, syncMemory } = input;
  if (!small.naive) throw new Error('the naive diff did not run on the smaller model');
  const speedup = small.naive.wallSeconds / small.plan.wallSeconds;
  const scaling = large.plan.wallSeconds / small.plan.wallSeconds;
  const syncPeak = syncMemory.changed.peakMb;
  return {
    diff_speedup_vs_naive_1m: round(speedup, 2),
    diff_scaling_10m_over_1m: round(scaling, 2),
    diff_speedup_vs_naive_1m_cpu: round(small.naive.cpuSeconds / small.plan.cpuSeconds, 2),
    diff_scaling_10m_over_1m_cpu: round(large.plan.cpuSeconds / small.plan.cpuSeconds, 2),
    sync_peak_rss_mb_1m_changed: round(syncPeak, 1),
    sync_rows_per_second_1m_changed: Math.round(rowsPerSecond(syncMemory.changed)),
    sync_peak_rss_mb_1m_changed_memory_limit: round(syncMemory.changedCapped.peakMb, 1),
    materialise_peak_rss_mb_1m: round(syncMemory.materialise.peakMb, 1),
    materialise_over_sync_peak_rss: round(syncMemory.materialise.peakMb / syncPeak, 2),
    targets: {
      diff_speedup_vs_naive_1m: { target: `>= ${TARGETS.diffSpeedupVsNaive}`, met: speedup >= TARGETS.diffSpeedupVsNaive },
      diff_scaling_10m_over_1m: { target: `<= ${TARGETS.diffScaling}`, met: scaling <= TARGETS.diffScaling },
      sync_peak_rss_mb_1m_changed: { target: `< ${TARGETS.syncPeakRssMb}`, met: syncPeak < TARGETS.syncPeakRssMb },
    },
    diff: { small, large },
    sync_memory: syncMemory,
    machine: { ...input.machine, loadAverageAtEnd: os.loadavg()[0]! },
    scale: input.scale,
    main_process_peak_rss_mb: round(input.mainProcessPeakMb, 1),
    total_seconds: round(input.totalSeconds, 1),
  };
}

/** Rows the destination accepted per second of the sync step (plan, send and commit). */
function rowsPerSecond(run: SyncRunMeasurement): number {
  return run.counts.accepted / run.syncSeconds;
}

/** Returns the results as the tables `npm run bench` prints. */
export function formatReport(results: BenchResults): string {
  const { machine } = results;
  const { small, large } = results.diff;
  const memory = results.sync_memory;
  const lines: string[] = [];

  lines.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, DuckDB ${machine.duckdb}`,
    `Date: ${machine.date}. Load average (1 min) at start ${machine.loadAverageAtStart.toFixed(1)}, at end ${machine.loadAverageAtEnd.toFixed(1)}.`,
    '',
    'Diff against the delivered snapshot, 1% of rows different (0.5% changed, 0.25% added, 0.25% removed)',
  );
  lines.push(
    table([
      ['model rows', 'in-warehouse plan', 'of which diff table', 'naive diff in Node', 'naive / plan'],
      diffRow(small),
      diffRow(large),
    ]),
  );
  lines.push(
    `Plan = planSync: key checks, diff table, counts, samples (median of ${small.planRuns.length} runs at ${count(small.rows)}, ${large.planRuns.length} at ${count(large.rows)}).`,
    `Naive = stream both tables through the adapter, Map of key to MD5 in Node (median of ${small.naiveRuns.length} runs; run at ${count(small.rows)} only).`,
    `diff_speedup_vs_naive_1m  = ${results.diff_speedup_vs_naive_1m}  (target ${results.targets.diff_speedup_vs_naive_1m!.target}: ${verdict(results, 'diff_speedup_vs_naive_1m')}; from CPU seconds ${results.diff_speedup_vs_naive_1m_cpu})`,
    `diff_scaling_10m_over_1m  = ${results.diff_scaling_10m_over_1m}  (target ${results.targets.diff_scaling_10m_over_1m!.target}: ${verdict(results, 'diff_scaling_10m_over_1m')}; from CPU seconds ${results.diff_scaling_10m_over_1m_cpu})`,
    '',
    `Peak memory of a sync of ${count(memory.rows)} rows to the file destination (each run in its own Node process)`,
  );
  lines.push(
    table([
      ['run', 'peak RSS', 'RSS before run', 'peak V8 heap', 'wall time', 'rows/s'],
      syncRow(`sync, first run (${count(memory.initial.counts.added)} added)`, memory.initial),
      syncRow(`sync, ${count(memory.changed.counts.changed)} changed`, memory.changed),
      syncRow(`same, DuckDB memory_limit ${CAPPED_MEMORY_LIMIT}`, memory.changedCapped),
      [
        'simple: all rows in memory, one write',
        mb(memory.materialise.peakMb),
        mb(memory.materialise.baselineMb),
        mb(memory.materialise.peakHeapUsedMb),
        seconds(memory.materialise.seconds),
        Math.round(memory.materialise.rows / memory.materialise.seconds).toLocaleString('en-US'),
      ],
    ]),
  );
  lines.push(
    'Peak RSS is VmHWM of the child process and includes DuckDB, which runs in the same process; the V8 heap is the JavaScript share.',
    'rows/s counts the sync step only (plan, send, snapshot commit), not the model build.',
    `sync_peak_rss_mb_1m_changed = ${results.sync_peak_rss_mb_1m_changed}  (target ${results.targets.sync_peak_rss_mb_1m_changed!.target}: ${verdict(results, 'sync_peak_rss_mb_1m_changed')})`,
    `simple alternative / sync peak RSS = ${results.materialise_over_sync_peak_rss}`,
  );
  if (results.scale !== 1) lines.push('', `Scaled run (--scale ${results.scale}): row counts differ from the names of the figures; results.json was not written.`);
  return lines.join('\n');
}

function diffRow(result: DiffBenchResult): string[] {
  const naive = result.naive
    ? `${seconds(result.naive.wallSeconds)} (CPU ${seconds(result.naive.cpuSeconds)})`
    : 'not run';
  const ratio = result.naive ? `${(result.naive.wallSeconds / result.plan.wallSeconds).toFixed(1)}x` : '';
  return [
    count(result.rows),
    `${seconds(result.plan.wallSeconds)} (CPU ${seconds(result.plan.cpuSeconds)})`,
    seconds(result.diffStatementSeconds),
    naive,
    ratio,
  ];
}

function syncRow(label: string, run: SyncRunMeasurement): string[] {
  return [label, mb(run.peakMb), mb(run.baselineMb), mb(run.peakHeapUsedMb), seconds(run.seconds), Math.round(rowsPerSecond(run)).toLocaleString('en-US')];
}

function verdict(results: BenchResults, name: string): string {
  return results.targets[name]!.met ? 'met' : 'missed';
}

/** Formats rows as a plain-text table with the first row as its header. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  return [format(rows[0]!), rule, ...rows.slice(1).map(format)].join('\n');
}

function count(rows: number): string {
  if (rows >= 1_000_000 && rows % 100_000 === 0) return `${rows / 1_000_000}M`;
  if (rows >= 1_000 && rows % 100 === 0) return `${rows / 1_000}k`;
  return String(rows);
}

function seconds(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

function mb(value: number): string {
  return `${Math.round(value)} MB`;
}
