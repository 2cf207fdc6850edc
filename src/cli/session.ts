import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadProject } from '../config/load-project.js';
import type { Project } from '../config/project.js';
import type { DestinationSchemas } from '../config/check-references.js';
import { jsonLineLogger, type Logger, type LogLevel } from '../core/logger.js';
import { silentReporter } from '../core/progress.js';
import { destinationTypes } from '../destinations/registry.js';
import { lockOwner, type RunContext, type RunOptions } from '../run/run-context.js';
import { recordSkippedRun } from '../run/record-skipped-run.js';
import { compileModels, runProject } from '../run/run-project.js';
import { selectSyncs } from '../run/select.js';
import type { RunSummary } from '../run/run-summary.js';
import { WarehouseError } from '../core/errors.js';
import { openStateStore } from '../state/open-store.js';
import { describeWarehouse, openWarehouse } from '../warehouse/open-warehouse.js';
import { startProjectImitations } from './imitations.js';
import { terminalReporter } from './progress-bars.js';

export interface GlobalOptions {
  project: string;
  json?: boolean;
  verbose?: boolean;
  /** False with --no-imitations: the local vendor imitations in sluice.yml are not started. */
  imitations?: boolean;
}

export function destinationSchemas(): DestinationSchemas {
  return new Map([...destinationTypes].map(([name, type]) => [name, { accountSchema: type.accountSchema, syncSchema: type.syncSchema }]));
}

export async function loadCliProject(options: GlobalOptions): Promise<Project> {
  return loadProject(resolve(options.project), { destinationSchemas: destinationSchemas() });
}

/**
 * Logs go to `.sluice/logs/sluice.log` as JSON lines, and with --verbose also to stderr.
 * Every line passes through the redactor first.
 */
export function cliLogger(project: Project, options: GlobalOptions): Logger {
  const path = join(project.dir, '.sluice', 'logs', 'sluice.log');
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path, { flags: 'a' });
  const toFile = jsonLineLogger((line) => file.write(line), 'info');
  const level: LogLevel = 'debug';
  const toStderr = options.verbose ? jsonLineLogger((line) => process.stderr.write(line), level) : undefined;
  return {
    log(logLevel, event, fields) {
      toFile.log(logLevel, event, fields);
      toStderr?.log(logLevel, event, fields);
    },
  };
}

/** Opens the warehouse and state store of a project for one command, and closes them after. */
export async function withRunContext<T>(
  project: Project,
  options: GlobalOptions,
  body: (context: RunContext) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const logger = cliLogger(project, options);
  const showBars = !options.json && process.stderr.isTTY === true;
  const imitations = options.imitations === false ? undefined : await startProjectImitations(project, logger);
  const store = await openStateStore(project.config.state, project.dir, { logger });
  try {
    const warehouse = await openWarehouse(project.config.warehouse, project.dir);
    try {
      const context: RunContext = {
        project,
        warehouse,
        store,
        destinationTypes,
        logger,
        reporter: showBars ? terminalReporter() : silentReporter,
        owner: lockOwner(),
        signal,
      };
      return await body(context);
    } finally {
      await warehouse.close();
    }
  } finally {
    await store.close();
    await imitations?.stop();
  }
}

/**
 * Runs the project as `sluice run` and the scheduler do. When another process keeps the
 * embedded warehouse open past the wait in sluice.yml, the selected syncs are recorded as skipped.
 */
export async function runProjectOrSkip(
  project: Project,
  options: GlobalOptions,
  runOptions: RunOptions,
  signal?: AbortSignal,
): Promise<RunSummary> {
  // runProject checks the selection and --var names again. Checking them first makes a mistyped
  // name fail at once, not after the imitations start or a wait for a locked warehouse.
  selectSyncs(project, compileModels(project, describeWarehouse(project.config.warehouse), runOptions), runOptions.select);
  try {
    return await withRunContext(project, options, (context) => runProject(context, runOptions), signal);
  } catch (error) {
    if (!(error instanceof WarehouseError) || error.code !== 'warehouse_locked') throw error;
    const store = await openStateStore(project.config.state, project.dir);
    try {
      return await recordSkippedRun(store, project, runOptions.select, runOptions.trigger, error.message);
    } finally {
      await store.close();
    }
  }
}
