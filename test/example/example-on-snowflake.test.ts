import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/run/run-summary.js';
import { resetInboxes, sentRecords } from '../support/memory-destination.js';
import { openTestContext, runOnce } from '../support/project-fixture.js';
import { duckdbTarget } from '../support/targets/duckdb-target.js';
import { snowflakeTarget } from '../support/targets/snowflake-target.js';
import type { WarehouseTarget } from '../support/targets/warehouse-target.js';
import { loadExampleSources, writeExampleProject, type ExampleProject } from './example-on-warehouse.js';

const snowflake = snowflakeTarget();

/**
 * Models that fakesnow cannot build although Snowflake can, with the error fakesnow gives, and
 * the syncs that read them. fakesnow 0.12 turns `CAST(x AS INTEGER)` into a DuckDB BIGINT, and
 * DuckDB can subtract an INTEGER from a DATE but not a BIGINT. Snowflake subtracts any NUMBER of
 * days.
 */
const FAILING_ON_EMULATOR = [
  { model: 'audience_lapsed_customers', sync: 'lapsed_customers', error: /No function matches .*AS_OF_DATE - PARAMETERS\.LAPSED_DAYS/s },
];
const FAILING_MODELS = new Set(FAILING_ON_EMULATOR.map((gap) => gap.model));
const FAILING_SYNCS = new Set(FAILING_ON_EMULATOR.map((gap) => gap.sync));

/**
 * Syncs that deliver a SUM of NUMBER(p,s) values. fakesnow 0.12 returns such a SUM as a FLOAT
 * (118.67999999999992 where Snowflake and DuckDB give the exact 118.68), so only their keys and
 * operations are compared with DuckDB's.
 */
const SUM_AS_FLOAT_SYNCS = new Set(['retail_customers', 'sakila_customers', 'sakila_winback']);

/** One run of the example project on a target, with what it delivered. */
interface ExampleRun {
  project: ExampleProject;
  env: NodeJS.ProcessEnv;
  summary: RunSummary;
  /** Records the `memory` destination received, sorted by key. */
  records: string[];
  /** Lines of every file the `exports` destination wrote, by sync, sorted. */
  files: Map<string, string[]>;
}

async function runExample(target: WarehouseTarget): Promise<ExampleRun> {
  const inboxName = `example_${target.name}`;
  const project = await writeExampleProject(target, 'example', inboxName);
  const env = { ...process.env, ...target.env };
  const context = await openTestContext(project.dir, env);
  try {
    await loadExampleSources(project, context.warehouse);
  } finally {
    await context.close();
  }
  const summary = await runOnce(project.dir, {}, env);
  const records = sentRecords(inboxName).map((record) => JSON.stringify(record)).sort();
  return { project, env, summary, records, files: await exportedLines(project.dir) };
}

async function exportedLines(dir: string): Promise<Map<string, string[]>> {
  const bySync = new Map<string, string[]>();
  for (const sync of await readdir(join(dir, 'out'))) {
    const lines: string[] = [];
    for (const file of await readdir(join(dir, 'out', sync))) {
      lines.push(...(await readFile(join(dir, 'out', sync, file), 'utf8')).split('\n').filter((line) => line !== ''));
    }
    bySync.set(sync, lines.sort());
  }
  return bySync;
}

describe.skipIf(snowflake.skipReason !== undefined)('example project on snowflake', { timeout: 900_000 }, () => {
  let onDuckdb: ExampleRun;
  let onSnowflake: ExampleRun;

  beforeAll(async () => {
    resetInboxes();
    onDuckdb = await runExample(duckdbTarget);
    onSnowflake = await runExample(snowflake);
  }, 900_000);

  it('builds every model and runs every sync', () => {
    const parts = [...onSnowflake.summary.models, ...onSnowflake.summary.syncs];
    const failures = parts.filter((part) => part.status !== 'success' && !FAILING_MODELS.has(part.name) && !FAILING_SYNCS.has(part.name));
    expect(failures.map((part) => `${part.name}: ${part.error}`)).toEqual([]);
    const builtModels = (run: ExampleRun) =>
      run.summary.models.filter((model) => !FAILING_MODELS.has(model.name)).map((model) => [model.name, model.rowCount]);
    expect(builtModels(onSnowflake)).toEqual(builtModels(onDuckdb));
  });

  it('fails only where the emulator differs', () => {
    for (const gap of FAILING_ON_EMULATOR) {
      const model = onSnowflake.summary.models.find((candidate) => candidate.name === gap.model);
      expect(model?.status, gap.model).toBe('failed');
      expect(model?.error, gap.model).toMatch(gap.error);
      expect(onDuckdb.summary.models.find((candidate) => candidate.name === gap.model)?.status).toBe('success');
    }
  });

  it('sends what DuckDB sends', () => {
    const syncCounts = (run: ExampleRun) =>
      run.summary.syncs.filter((sync) => !FAILING_SYNCS.has(sync.name)).map((sync) => [sync.name, sync.counts]);
    expect(syncCounts(onSnowflake)).toEqual(syncCounts(onDuckdb));
    expect(onSnowflake.records.length).toBeGreaterThan(0);
    expect(firstDifference(onDuckdb.records, onSnowflake.records)).toBeUndefined();

    const differences: Record<string, string> = {};
    for (const [sync, expected] of onDuckdb.files) {
      if (FAILING_SYNCS.has(sync)) continue;
      const actual = onSnowflake.files.get(sync) ?? [];
      const compared = SUM_AS_FLOAT_SYNCS.has(sync) ? [expected.map(rowIdentity), actual.map(rowIdentity)] : [expected, actual];
      const difference = firstDifference(compared[0]!, compared[1]!);
      if (difference !== undefined) differences[sync] = difference;
    }
    expect(differences).toEqual({});
    expect(onSnowflake.files.size).toBe(onDuckdb.files.size - FAILING_SYNCS.size);
  });

  it('sends nothing on a second run', async () => {
    const again = await runOnce(onSnowflake.project.dir, {}, onSnowflake.env);
    for (const sync of again.syncs.filter((candidate) => !FAILING_SYNCS.has(candidate.name))) {
      expect(sync.status, sync.name).toBe('success');
      expect(sync.counts, sync.name).toMatchObject({ added: 0, changed: 0, removed: 0 });
    }
  });
});

/** Operation and key of an exported line: `_op` and `_key` in JSON Lines, the first two CSV fields. */
function rowIdentity(line: string): string {
  if (line.startsWith('{')) {
    const row = JSON.parse(line) as { _op: string; _key: string };
    return `${row._op} ${row._key}`;
  }
  return line.split(',').slice(0, 2).join(' ');
}

/** Describes the first line where two sorted lists differ, or returns undefined when they are equal. */
function firstDifference(expected: string[], actual: string[]): string | undefined {
  const index = expected.findIndex((line, position) => line !== actual[position]);
  if (index === -1 && expected.length === actual.length) return undefined;
  const at = index === -1 ? expected.length : index;
  return `${expected.length} lines expected, ${actual.length} received; line ${at} expected ${expected[at]}, received ${actual[at]}`;
}
