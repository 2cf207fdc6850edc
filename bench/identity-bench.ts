import { rm } from 'node:fs/promises';
import { buildIdentity, type IdentityBuildResult } from '../src/identity/build-identity.js';
import type { IdentityConfig } from '../src/identity/identity-config.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { comparePartitions, type PartitionComparison } from './identity-partition.js';
import { benchIdentityConfig, LINKS_TABLE, linksSelect } from './identity-links.js';
import { medianTiming, timed, type Timing } from './measure.js';
import { TimedWarehouse, type StatementTiming } from './timed-warehouse.js';
import { unionFindLabels, type UnionFindResult } from './union-find-labels.js';

const OUTPUT_SCHEMA = 'analytics';
const WORK_SCHEMA = 'sluice';
const PAGE_SIZE = 10_000;
const SLOWEST_SHOWN = 10;

export interface IdentityBenchOptions {
  links: number;
  /** DuckDB database file; it is replaced at the start and deleted at the end. */
  databasePath: string;
  engineRepetitions: number;
  /** 0 skips the union-find alternative and the partition check. */
  unionFindRepetitions: number;
  log: (message: string) => void;
}

export interface IdentityBenchResult {
  links: number;
  generateSeconds: number;
  /** buildIdentity from the links table to the published outputs, median of the repetitions. */
  engine: Timing;
  engineRuns: Timing[];
  /** Counts from the last engine run. */
  build: Pick<IdentityBuildResult, 'profiles' | 'identifiers' | 'links' | 'componentPasses' | 'blockedRows'>;
  /** The slowest statements of the last engine run, by CPU seconds. */
  slowestStatements: StatementTiming[];
  unionFind: Timing | undefined;
  unionFindRuns: Timing[];
  unionFindResult: UnionFindResult | undefined;
  partition: PartitionComparison | undefined;
}

/**
 * Measures identity resolution over `links` generated links: the engine's buildIdentity, as
 * `sluice run` runs it for an `identity:` section, and optionally the union-find alternative,
 * whose partition must then equal the engine's.
 */
export async function runIdentityBench(options: IdentityBenchOptions): Promise<IdentityBenchResult> {
  const { links, log } = options;
  await removeDatabase(options.databasePath);
  const warehouse = await DuckDBAdapter.open({ path: options.databasePath });
  try {
    log(`identity ${links} links: generating`);
    const generated = await timed(() => generateLinks(warehouse, links));
    const config = benchIdentityConfig();

    const engineRuns: Timing[] = [];
    let last: { build: IdentityBuildResult; timings: StatementTiming[] } | undefined;
    for (let run = 1; run <= options.engineRepetitions; run += 1) {
      await dropOutputs(warehouse, config);
      const timedWarehouse = new TimedWarehouse(warehouse);
      const { result, timing } = await timed(() => buildIdentity(timedWarehouse, buildOptions(warehouse, config)));
      engineRuns.push(timing);
      last = { build: result, timings: timedWarehouse.timings };
      log(`identity ${links} links: engine run ${run}/${options.engineRepetitions}: ${timing.wallSeconds.toFixed(2)} s`);
    }
    if (last === undefined) throw new Error('engineRepetitions must be at least 1');

    const unionFindRuns: Timing[] = [];
    let unionFindResult: UnionFindResult | undefined;
    for (let run = 1; run <= options.unionFindRepetitions; run += 1) {
      const { result, timing } = await timed(() => unionFindLabels(warehouse, config, PAGE_SIZE));
      unionFindRuns.push(timing);
      unionFindResult = result;
      log(`identity ${links} links: union-find run ${run}/${options.unionFindRepetitions}: ${timing.wallSeconds.toFixed(2)} s`);
    }
    const graph = { schema: OUTPUT_SCHEMA, name: config.tables.identity_graph };
    const partition = unionFindResult === undefined ? undefined : await comparePartitions(warehouse, graph);

    return {
      links,
      generateSeconds: generated.timing.wallSeconds,
      engine: medianTiming(engineRuns),
      engineRuns,
      build: pickBuild(last.build),
      slowestStatements: slowest(last.timings),
      unionFind: unionFindRuns.length > 0 ? medianTiming(unionFindRuns) : undefined,
      unionFindRuns,
      unionFindResult,
      partition,
    };
  } finally {
    await warehouse.close();
    await removeDatabase(options.databasePath);
  }
}

async function generateLinks(warehouse: WarehouseAdapter, links: number): Promise<void> {
  await warehouse.ensureSchema(LINKS_TABLE.schema);
  await warehouse.execute(warehouse.dialect.createTableAs(LINKS_TABLE, linksSelect(links)));
  // Writes the WAL into the database file now, so that no timed step pays for it.
  await warehouse.execute('CHECKPOINT');
}

function buildOptions(warehouse: WarehouseAdapter, config: IdentityConfig) {
  const relations = Object.fromEntries(config.inputs.map((input) => [input.name, warehouse.dialect.quoteTable(LINKS_TABLE)]));
  return { config, relations, schema: OUTPUT_SCHEMA, workSchema: WORK_SCHEMA, pageSize: PAGE_SIZE };
}

/** Drops the previous run's outputs, so that every timed run is a first build. */
async function dropOutputs(warehouse: WarehouseAdapter, config: IdentityConfig): Promise<void> {
  for (const name of Object.values(config.tables)) {
    await warehouse.execute(`DROP TABLE IF EXISTS ${warehouse.dialect.quoteTable({ schema: OUTPUT_SCHEMA, name })}`);
  }
  await warehouse.execute('CHECKPOINT');
}

function pickBuild(build: IdentityBuildResult): IdentityBenchResult['build'] {
  const { profiles, identifiers, links, componentPasses, blockedRows } = build;
  return { profiles, identifiers, links, componentPasses, blockedRows };
}

function slowest(timings: StatementTiming[]): StatementTiming[] {
  return [...timings].sort((a, b) => b.cpuSeconds - a.cpuSeconds).slice(0, SLOWEST_SHOWN);
}

async function removeDatabase(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}
