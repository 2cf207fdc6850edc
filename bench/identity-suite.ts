import { count, seconds, table } from './format.js';
import { runIdentityBench, type IdentityBenchResult } from './identity-bench.js';
import { round } from './measure.js';
import type { StatementTiming } from './timed-warehouse.js';
import { atMost, figureLine, type BenchSuite } from './suite.js';

const SMALL_LINKS = 1_000_000;
const LARGE_LINKS = 10_000_000;
const SMALL_ENGINE_RUNS = 2;
const LARGE_ENGINE_RUNS = 1;
const UNION_FIND_RUNS = 2;

const RATIO_TARGET = 2;
const SCALING_TARGET = 15;

/**
 * Identity resolution in the warehouse against a union-find in Node at 1M links, and how the
 * warehouse build grows from 1M to 10M links.
 */
export const identitySuite: BenchSuite = {
  name: 'identity',
  async run({ rows, tempPath, log }) {
    const small = await runIdentityBench({
      links: rows(SMALL_LINKS),
      databasePath: tempPath('identity-small.duckdb'),
      engineRepetitions: SMALL_ENGINE_RUNS,
      unionFindRepetitions: UNION_FIND_RUNS,
      log,
    });
    const large = await runIdentityBench({
      links: rows(LARGE_LINKS),
      databasePath: tempPath('identity-large.duckdb'),
      engineRepetitions: LARGE_ENGINE_RUNS,
      unionFindRepetitions: 0,
      log,
    });
    if (!small.unionFind) throw new Error('the union-find alternative did not run on the smaller input');

    const ratio = round(small.engine.wallSeconds / small.unionFind.wallSeconds, 2);
    const scaling = round(large.engine.wallSeconds / small.engine.wallSeconds, 2);
    const ratioCpu = round(small.engine.cpuSeconds / small.unionFind.cpuSeconds, 2);
    const scalingCpu = round(large.engine.cpuSeconds / small.engine.cpuSeconds, 2);
    const targets = {
      identity_ratio_vs_union_find_1m: atMost(ratio, RATIO_TARGET),
      identity_scaling_10m_over_1m: atMost(scaling, SCALING_TARGET),
    };
    return {
      figures: {
        identity_ratio_vs_union_find_1m: ratio,
        identity_scaling_10m_over_1m: scaling,
        // CPU seconds, which other load on the machine inflates less than wall time.
        identity_ratio_vs_union_find_1m_cpu: ratioCpu,
        identity_scaling_10m_over_1m_cpu: scalingCpu,
      },
      targets,
      detail: { small, large },
      report: [
        'Identity resolution: skewed clusters, long chains of 5,000 hops, junk hubs blocked by the default blocklist',
        table([
          ['links', 'identifiers', 'profiles', 'passes', 'in-warehouse build', 'union-find in Node', 'build / union-find'],
          identityRow(small),
          identityRow(large),
        ]),
        `Build = buildIdentity from the links table to the published outputs (median of ${small.engineRuns.length} runs at ${count(small.links)}, ${large.engineRuns.length} at ${count(large.links)}).`,
        `Union-find = stream the links through the adapter, union-find in typed arrays, write the labels back with loadRows (median of ${small.unionFindRuns.length} runs; run at ${count(small.links)} only).`,
        `Partitions at ${count(small.links)}: ${partitionLine(small)}.`,
        `Slowest statements of the build at ${count(large.links)}:`,
        ...large.slowestStatements.map(statementLine),
        figureLine('identity_ratio_vs_union_find_1m', ratio, targets.identity_ratio_vs_union_find_1m, `from CPU seconds ${ratioCpu}`),
        figureLine('identity_scaling_10m_over_1m', scaling, targets.identity_scaling_10m_over_1m, `from CPU seconds ${scalingCpu}`),
      ],
    };
  },
};

/** One statement's CPU and wall seconds and its first characters. */
export function statementLine(timing: StatementTiming): string {
  return `  CPU ${seconds(timing.cpuSeconds)}, wall ${seconds(timing.seconds)}  ${timing.statement}`;
}

function identityRow(result: IdentityBenchResult): string[] {
  const unionFind = result.unionFind
    ? `${seconds(result.unionFind.wallSeconds)} (CPU ${seconds(result.unionFind.cpuSeconds)})`
    : 'not run';
  const ratio = result.unionFind ? `${(result.engine.wallSeconds / result.unionFind.wallSeconds).toFixed(2)}` : '';
  return [
    count(result.links),
    count(result.build.identifiers),
    count(result.build.profiles),
    String(result.build.componentPasses),
    `${seconds(result.engine.wallSeconds)} (CPU ${seconds(result.engine.cpuSeconds)})`,
    unionFind,
    ratio,
  ];
}

function partitionLine(result: IdentityBenchResult): string {
  const partition = result.partition!;
  return `${partition.engineProfiles} profiles and ${partition.unionFindComponents} union-find components, ${partition.differingIdentifiers} identifiers in a different component`;
}
