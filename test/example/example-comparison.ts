import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/run/run-summary.js';
import { resetInboxes, sentRecords } from '../support/memory-destination.js';
import { openTestContext, runOnce } from '../support/project-fixture.js';
import { duckdbTarget } from '../support/targets/duckdb-target.js';
import type { WarehouseTarget } from '../support/targets/warehouse-target.js';
import { loadExampleSources, writeExampleProject, type ExampleProject } from './example-on-warehouse.js';

/**
 * The example project run on DuckDB and on an emulated warehouse, compared sync by sync. An
 * emulator's known differences from the warehouse it imitates are listed in `EmulatorGaps`, and
 * the comparison expects exactly those, so it notices when an emulator changes.
 */

/** A model the emulator cannot build although the warehouse can, and the syncs that read it. */
export interface FailingModel {
  model: string;
  /** The emulator's error message. */
  error: RegExp;
  /** Models built from this one, which the run then skips. */
  downstreamModels: string[];
  syncs: string[];
}

export interface EmulatorGaps {
  failingModels: FailingModel[];
  /**
   * Syncs whose delivered values differ from DuckDB's only in how the emulator computes them
   * (a float where the warehouse gives an exact decimal), so only their keys and operations are
   * compared.
   */
  keyOnlySyncs: Set<string>;
}

/** One run of the example project on a target, with what it delivered. */
interface ExampleRun {
  project: ExampleProject;
  env: NodeJS.ProcessEnv;
  summary: RunSummary;
  /** Records the `memory` destination received, sorted. */
  records: string[];
  /** Lines of every file the `exports` destination wrote, by sync, sorted. */
  files: Map<string, string[]>;
}

/** Declares the suite that runs the example project on `target` and on DuckDB and compares them. */
export function describeExampleOn(target: WarehouseTarget, gaps: EmulatorGaps): void {
  const failingModels = new Set(gaps.failingModels.flatMap((gap) => [gap.model, ...gap.downstreamModels]));
  const failingSyncs = new Set(gaps.failingModels.flatMap((gap) => gap.syncs));

  describe.skipIf(target.skipReason !== undefined)(`example project on ${target.name}`, { timeout: 900_000 }, () => {
    let onDuckdb: ExampleRun;
    let onTarget: ExampleRun;

    beforeAll(async () => {
      resetInboxes();
      onDuckdb = await runExample(duckdbTarget);
      onTarget = await runExample(target);
    }, 900_000);

    it('builds every model and runs every sync', () => {
      const parts = [...onTarget.summary.models, ...onTarget.summary.syncs];
      const failures = parts.filter(
        (part) => part.status !== 'success' && !failingModels.has(part.name) && !failingSyncs.has(part.name),
      );
      expect(failures.map((part) => `${part.name}: ${part.error}`)).toEqual([]);
      const builtModels = (run: ExampleRun) =>
        run.summary.models.filter((model) => !failingModels.has(model.name)).map((model) => [model.name, model.rowCount]);
      expect(builtModels(onTarget)).toEqual(builtModels(onDuckdb));
    });

    it('fails only where the emulator differs', () => {
      const statusOn = (run: ExampleRun, name: string) => run.summary.models.find((model) => model.name === name)?.status;
      for (const gap of gaps.failingModels) {
        const model = onTarget.summary.models.find((candidate) => candidate.name === gap.model);
        expect(model?.status, gap.model).toBe('failed');
        expect(model?.error, gap.model).toMatch(gap.error);
        expect(statusOn(onDuckdb, gap.model), gap.model).toBe('success');
        for (const downstream of gap.downstreamModels) {
          expect(statusOn(onTarget, downstream), downstream).toBe('skipped');
          expect(statusOn(onDuckdb, downstream), downstream).toBe('success');
        }
      }
    });

    it('sends what DuckDB sends', () => {
      const syncCounts = (run: ExampleRun) =>
        run.summary.syncs.filter((sync) => !failingSyncs.has(sync.name)).map((sync) => [sync.name, sync.counts]);
      expect(syncCounts(onTarget)).toEqual(syncCounts(onDuckdb));
      expect(onTarget.records.length).toBeGreaterThan(0);
      // NOTE: records to the `memory` destination do not name their sync, so a failing sync that
      // sends there would show up here as missing records.
      expect(firstDifference(onDuckdb.records, onTarget.records)).toBeUndefined();

      const differences: Record<string, string> = {};
      for (const [sync, expected] of onDuckdb.files) {
        if (failingSyncs.has(sync)) continue;
        const actual = onTarget.files.get(sync) ?? [];
        const keyOnly = gaps.keyOnlySyncs.has(sync);
        const difference = keyOnly
          ? firstDifference(expected.map(rowIdentity), actual.map(rowIdentity))
          : firstDifference(expected, actual);
        if (difference !== undefined) differences[sync] = difference;
      }
      expect(differences).toEqual({});
      const exportedSyncs = [...onDuckdb.files.keys()].filter((sync) => !failingSyncs.has(sync));
      expect([...onTarget.files.keys()].sort()).toEqual(exportedSyncs.sort());
    });

    it('sends nothing on a second run', async () => {
      const again = await runOnce(onTarget.project.dir, {}, onTarget.env);
      for (const sync of again.syncs.filter((candidate) => !failingSyncs.has(candidate.name))) {
        expect(sync.status, sync.name).toBe('success');
        // A key-only sync carries sums the emulator computes as floats, whose last digits can
        // differ between two runs (parallel summation order), so only its keys must be stable.
        const unchanged = gaps.keyOnlySyncs.has(sync.name) ? { added: 0, removed: 0 } : { added: 0, changed: 0, removed: 0 };
        expect(sync.counts, sync.name).toMatchObject(unchanged);
      }
    });
  });
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
