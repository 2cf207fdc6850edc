import { count, mb, perSecond, seconds, table } from './format.js';
import { round } from './measure.js';
import { figureLine, below, type BenchSuite } from './suite.js';
import { CAPPED_MEMORY_LIMIT, runSyncMemoryBench, type SyncRunMeasurement } from './sync-memory-bench.js';

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
        sync_peak_rss_mb_1m_changed_memory_limit: round(memory.changedCapped.peakMb, 1),
        materialise_peak_rss_mb_1m: round(memory.materialise.peakMb, 1),
        materialise_over_sync_peak_rss: simpleOverSync,
      },
      targets,
      detail: memory,
      report: [
        `Peak memory of a sync of ${count(memory.rows)} rows to the file destination (each run in its own Node process)`,
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
            perSecond(memory.materialise.rows / memory.materialise.seconds),
          ],
        ]),
        'Peak RSS is VmHWM of the child process and includes DuckDB, which runs in the same process; the V8 heap is the JavaScript share.',
        'rows/s counts the sync step only (plan, send, snapshot commit), not the model build.',
        figureLine('sync_peak_rss_mb_1m_changed', peak, targets.sync_peak_rss_mb_1m_changed),
        `simple alternative / sync peak RSS = ${simpleOverSync}`,
      ],
    };
  },
};

function syncRow(label: string, run: SyncRunMeasurement): string[] {
  return [label, mb(run.peakMb), mb(run.baselineMb), mb(run.peakHeapUsedMb), seconds(run.seconds), perSecond(rowsPerSecond(run))];
}

/** Rows the destination accepted per second of the sync step (plan, send and commit). */
function rowsPerSecond(run: SyncRunMeasurement): number {
  return run.counts.accepted / run.syncSeconds;
}
