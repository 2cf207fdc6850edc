import { count, mb, perSecond, seconds, table } from './format.js';
import { round } from './measure.js';
import { figureLine, below, type BenchSuite } from './suite.js';
import { runSyncMemoryBench, type SyncRunMeasurement, type WatchedRun } from './sync-memory-bench.js';

const SYNC_ROWS = 1_000_000;
const PEAK_RSS_TARGET_MB = 400;

/** Peak memory of a real sync of 1M changed rows, against reading every row into memory. */
export const syncMemorySuite: BenchSuite = {
  name: 'sync_memory',
  async run({ rows, tempPath, log }) {
    const memory = await runSyncMemoryBench({ rows: rows(SYNC_ROWS), projectDir: tempPath('sync-project'), log });
    const peak = round(memory.changed.peakMb, 1);
    const targets = { sync_peak_rss_mb_1m_changed: below(peak, PEAK_RSS_TARGET_MB) };
    const simpleOverSync = round(memory.materialise.peakMb / memory.changed.peakMb, 2);
    return {
      figures: {
        sync_peak_rss_mb_1m_changed: peak,
        sync_rows_per_second_1m_changed: Math.round(rowsPerSecond(memory.changed)),
        sync_peak_rss_mb_1m_changed_uncapped: round(memory.changedUncapped.peakMb, 1),
        materialise_peak_rss_mb_1m: round(memory.materialise.peakMb, 1),
        materialise_over_sync_peak_rss: simpleOverSync,
      },
      targets,
      detail: memory,
      report: [
        `Peak memory of a sync of ${count(memory.rows)} rows to the file destination (each run in its own Node process)`,
        table([
          ['run', 'peak RSS', 'CPU time', 'wall time', 'rows/s'],
          syncRow(`sync, first run (${count(memory.initial.counts.added)} added)`, memory.initial),
          syncRow(`sync, ${count(memory.changed.counts.changed)} changed`, memory.changed),
          syncRow('same, sync_memory_limit off', memory.changedUncapped),
          [...measuredCells('simple: all rows in memory, one write', memory.materialise), perSecond(memory.materialise.rows / memory.materialise.wallSeconds)],
        ]),
        'Each run is `sluice run --json` on the compiled CLI in its own process. Peak RSS is its VmHWM, read from outside, and includes DuckDB, which runs in the same process.',
        'rows/s counts the sync step only (plan, send, snapshot commit), not the model build; wall and CPU time are the whole process.',
        figureLine('sync_peak_rss_mb_1m_changed', peak, targets.sync_peak_rss_mb_1m_changed),
        `simple alternative / sync peak RSS = ${simpleOverSync}`,
      ],
    };
  },
};

function syncRow(label: string, run: SyncRunMeasurement): string[] {
  return [...measuredCells(label, run), perSecond(rowsPerSecond(run))];
}

function measuredCells(label: string, run: WatchedRun): string[] {
  return [label, mb(run.peakMb), seconds(run.cpuSeconds), seconds(run.wallSeconds)];
}

/** Rows the destination accepted per second of the sync step (plan, send and commit). */
function rowsPerSecond(run: SyncRunMeasurement): number {
  return run.counts.accepted / run.syncSeconds;
}
