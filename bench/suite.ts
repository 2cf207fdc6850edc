/**
 * One part of `npm run bench`. Each suite measures one thing against its simplest alternative,
 * side by side, and returns its headline figures, the targets they are checked against, the
 * detail behind them and the lines it prints. `bench/run.ts` runs the suites and merges their
 * results into bench/results.json.
 */
export interface BenchSuite {
  /** Name used by `npm run bench -- --only NAME` and as the key of its detail in results.json. */
  name: string;
  run(context: BenchContext): Promise<SuiteResult>;
}

export interface BenchContext {
  /** Share of the full row counts this run uses (`--scale`); 1 for a recorded run. */
  scale: number;
  /** A full-size row count scaled by `scale`. */
  rows(count: number): number;
  /** A path under bench/tmp that is removed when the run ends, also when a step fails. */
  tempPath(name: string): string;
  log(message: string): void;
}

export interface Target {
  target: string;
  met: boolean;
}

export interface SuiteResult {
  /** Headline figures, written at the top level of results.json under these names. */
  figures: Record<string, number>;
  targets: Record<string, Target>;
  /** Everything measured, written under `details.<suite name>`. */
  detail: unknown;
  /** Lines printed for this suite. */
  report: string[];
}

export function atLeast(value: number, target: number): Target {
  return { target: `>= ${target}`, met: value >= target };
}

export function atMost(value: number, target: number): Target {
  return { target: `<= ${target}`, met: value <= target };
}

export function below(value: number, target: number): Target {
  return { target: `< ${target}`, met: value < target };
}

/** Formats a figure with its target as a report line: `name = value  (target >= 30: met)`. */
export function figureLine(name: string, value: number, target: Target, note = ''): string {
  return `${name} = ${value}  (target ${target.target}: ${target.met ? 'met' : 'missed'}${note ? `; ${note}` : ''})`;
}
