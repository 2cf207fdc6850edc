import cron, { type ScheduledTask } from 'node-cron';
import { describeCronProblem } from '../config/cron.js';
import type { Project, SyncDefinition } from '../config/project.js';
import { ConfigError, errorMessage, type ConfigIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunSummary } from '../run/run-summary.js';

/** Runs one tick: the given syncs, with their models built once. */
export type TickRunner = (syncs: string[], signal: AbortSignal) => Promise<RunSummary>;

export interface SchedulerOptions {
  project: Project;
  logger: Logger;
  runTick: TickRunner;
  /** Syncs due within this window are gathered into one tick, so a shared model builds once. */
  gatherMs?: number;
  /** Records a tick that did not run because the sync was still waiting for an earlier one. */
  recordSkip?: (sync: string, reason: string) => Promise<void>;
}

/**
 * Runs each scheduled sync on its cron expression, in its own time zone, with node-cron. Syncs
 * due at the same moment run together. Ticks run one at a time in this process; a sync already
 * waiting for the next tick is not queued twice, and a sync running in another process is skipped
 * by its lock. `stop()` lets the batches in flight finish and be recorded.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #tasks: ScheduledTask[] = [];
  readonly #due = new Set<string>();
  readonly #abort = new AbortController();
  #gatherTimer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** The syncs that have a schedule, after checking every cron expression and time zone. */
  static scheduledSyncs(project: Project): SyncDefinition[] {
    const issues: ConfigIssue[] = [];
    const scheduled = [...project.syncs.values()].filter((sync) => sync.config.enabled && sync.schedule);
    for (const sync of scheduled) {
      const { cron: expression, timezone } = sync.schedule!;
      const cronProblem = describeCronProblem(expression);
      if (cronProblem !== undefined) issues.push({ file: sync.file, path: 'schedule.cron', message: cronProblem });
      if (!isTimeZone(timezone)) {
        issues.push({ file: sync.file, path: 'schedule.timezone', message: `"${timezone}" is not a known IANA time zone; use a name such as Europe/London or UTC` });
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return scheduled;
  }

  start(): SyncDefinition[] {
    const scheduled = Scheduler.scheduledSyncs(this.#options.project);
    for (const sync of scheduled) {
      const { cron: expression, timezone } = sync.schedule!;
      const task = cron.schedule(expression, () => this.#onDue(sync.name), { timezone, name: sync.name });
      this.#tasks.push(task);
    }
    this.#options.logger.log('info', 'schedule.started', { syncs: scheduled.map((sync) => sync.name) });
    return scheduled;
  }

  /** Stops the cron tasks, signals the running tick to finish its batches in flight, and waits for it. */
  async stop(): Promise<void> {
    for (const task of this.#tasks) await task.stop();
    clearTimeout(this.#gatherTimer);
    this.#due.clear();
    this.#abort.abort();
    await this.#chain;
    this.#options.logger.log('info', 'schedule.stopped', {});
  }

  #onDue(sync: string): void {
    if (this.#due.has(sync)) {
      const reason = 'a tick fired while the previous one was still waiting to run; it was skipped';
      this.#options.logger.log('warn', 'schedule.tick.coalesced', { sync, reason });
      this.#options.recordSkip?.(sync, reason).catch((error: unknown) => {
        this.#options.logger.log('error', 'schedule.skip_record_failed', { sync, error: errorMessage(error) });
      });
      return;
    }
    this.#due.add(sync);
    clearTimeout(this.#gatherTimer);
    this.#gatherTimer = setTimeout(() => this.#enqueueTick(), this.#options.gatherMs ?? 200);
  }

  #enqueueTick(): void {
    this.#chain = this.#chain.then(async () => {
      const syncs = [...this.#due];
      this.#due.clear();
      if (syncs.length === 0 || this.#abort.signal.aborted) return;
      try {
        const summary = await this.#options.runTick(syncs, this.#abort.signal);
        this.#options.logger.log('info', 'schedule.tick.completed', { runId: summary.runId, status: summary.status, syncs });
      } catch (error) {
        this.#options.logger.log('error', 'schedule.tick.failed', { syncs, error: errorMessage(error) });
      }
    });
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
