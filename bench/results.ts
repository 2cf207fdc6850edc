import { readFile, writeFile } from 'node:fs/promises';
import type { MachineInfo } from './machine.js';
import type { BenchSuite, SuiteResult, Target } from './suite.js';

/**
 * bench/results.json: the headline figures of every suite at the top level, their targets, and
 * per suite the detail and the machine it ran on. A run of some suites (`--only`) replaces
 * those suites' entries and keeps the others, so `runs` records where each figure came from.
 */
export interface BenchResults {
  [figure: string]: unknown;
  targets: Record<string, Target>;
  details: Record<string, unknown>;
  runs: Record<string, SuiteRun>;
}

export interface SuiteRun {
  machine: MachineInfo & { loadAverageAtEnd: number };
  seconds: number;
  /** Peak RSS of the benchmark's main process from its start to the end of the suite, in MB. */
  mainProcessPeakRssMb: number;
  figures: string[];
}

export async function readResults(path: string): Promise<BenchResults> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return { targets: {}, details: {}, runs: {} };
  const parsed = JSON.parse(text) as Partial<BenchResults>;
  return { ...parsed, targets: parsed.targets ?? {}, details: parsed.details ?? {}, runs: parsed.runs ?? {} };
}

/** Replaces one suite's figures, targets and detail in `results`, dropping the figures it no longer reports. */
export function mergeSuite(results: BenchResults, suite: BenchSuite, result: SuiteResult, run: Omit<SuiteRun, 'figures'>): void {
  for (const stale of results.runs[suite.name]?.figures ?? []) {
    delete results[stale];
    delete results.targets[stale];
  }
  Object.assign(results, result.figures);
  Object.assign(results.targets, result.targets);
  results.details[suite.name] = result.detail;
  results.runs[suite.name] = { ...run, figures: Object.keys(result.figures) };
}

/** Writes the figures first, then targets, runs and details, so the file reads top-down. */
export async function writeResults(path: string, results: BenchResults): Promise<void> {
  const { targets, details, runs, ...figures } = results;
  const ordered = { ...figures, targets, runs, details };
  await writeFile(path, `${JSON.stringify(ordered, null, 2)}\n`);
}
