import { runDiffBench, type DiffBenchResult } from './diff-bench.js';
import { count, seconds, table } from './format.js';
import { round } from './measure.js';
import { atLeast, atMost, figureLine, type BenchSuite } from './suite.js';

const SMALL_ROWS = 1_000_000;
const LARGE_ROWS = 10_000_000;
const SMALL_PLAN_RUNS = 5;
const LARGE_PLAN_RUNS = 3;
const NAIVE_RUNS = 2;

const SPEEDUP_TARGET = 30;
const SCALING_TARGET = 15;

/**
 * The in-warehouse diff against a diff written by hand in Node at 1M rows, and how the
 * warehouse diff grows from 1M to 10M rows.
 */
export const diffSuite: BenchSuite = {
  name: 'diff',
  async run({ rows, tempPath, log }) {
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
    if (!small.naive) throw new Error('the naive diff did not run on the smaller model');

    const speedup = round(small.naive.wallSeconds / small.plan.wallSeconds, 2);
    const scaling = round(large.plan.wallSeconds / small.plan.wallSeconds, 2);
    const speedupCpu = round(small.naive.cpuSeconds / small.plan.cpuSeconds, 2);
    const scalingCpu = round(large.plan.cpuSeconds / small.plan.cpuSeconds, 2);
    const targets = {
      diff_speedup_vs_naive_1m: atLeast(speedup, SPEEDUP_TARGET),
      diff_scaling_10m_over_1m: atMost(scaling, SCALING_TARGET),
    };
    return {
      figures: {
        diff_speedup_vs_naive_1m: speedup,
        diff_scaling_10m_over_1m: scaling,
        // CPU seconds, which other load on the machine inflates less than wall time.
        diff_speedup_vs_naive_1m_cpu: speedupCpu,
        diff_scaling_10m_over_1m_cpu: scalingCpu,
      },
      targets,
      detail: { small, large },
      report: [
        'Diff against the delivered snapshot, 1% of rows different (0.5% changed, 0.25% added, 0.25% removed)',
        table([
          ['model rows', 'in-warehouse plan', 'of which diff table', 'naive diff in Node', 'naive / plan'],
          diffRow(small),
          diffRow(large),
        ]),
        `Plan = planSync: key checks, diff table, counts, samples (median of ${small.planRuns.length} runs at ${count(small.rows)}, ${large.planRuns.length} at ${count(large.rows)}).`,
        `Naive = stream both tables through the adapter, Map of key to MD5 in Node (median of ${small.naiveRuns.length} runs; run at ${count(small.rows)} only).`,
        figureLine('diff_speedup_vs_naive_1m', speedup, targets.diff_speedup_vs_naive_1m, `from CPU seconds ${speedupCpu}`),
        figureLine('diff_scaling_10m_over_1m', scaling, targets.diff_scaling_10m_over_1m, `from CPU seconds ${scalingCpu}`),
      ],
    };
  },
};

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
