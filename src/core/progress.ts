/**
 * Progress of long steps, reported by the engine and rendered by the CLI (bars on a terminal,
 * nothing under --json). Nothing below the CLI prints; it calls a Reporter.
 */
export interface ProgressTask {
  update(done: number, detail?: string): void;
  stop(): void;
}

export interface Reporter {
  /** Starts a task of `total` units; `total` is 0 when it is not known in advance. */
  start(name: string, total: number, unit: string): ProgressTask;
}

const silentTask: ProgressTask = { update() {}, stop() {} };

export const silentReporter: Reporter = { start: () => silentTask };
