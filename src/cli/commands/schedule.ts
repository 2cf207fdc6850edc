import type { Command } from 'commander';
import { defaultRunOptions } from '../../run/run-context.js';
import { Scheduler } from '../../schedule/scheduler.js';
import { recordSkippedRun } from '../../run/record-skipped-run.js';
import { compileModels } from '../../run/run-project.js';
import { describeWarehouse } from '../../warehouse/open-warehouse.js';
import { openStateStore } from '../../state/open-store.js';
import { EXIT } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { cliLogger, loadCliProject, runProjectOrSkip } from '../session.js';
import { globalOptions } from './options.js';
import { startScheduledInbound } from '../scheduled-inbound.js';

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('run each sync on its cron schedule until SIGTERM, and serve inbound: from sluice.yml; the batch in flight finishes first')
    .action(async (_flags, cmd: Command) => {
      const options = { ...globalOptions(cmd), json: true };
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        // The project is loaded once, so a model that compiles now compiles at every tick. One that
        // does not stops the scheduler here with exit 2, rather than failing every tick.
        compileModels(project, describeWarehouse(project.config.warehouse), defaultRunOptions);
        const logger = cliLogger(project, { ...options, verbose: true });
        // The warehouse is opened per tick, so a manual run can use an embedded database in between.
        const scheduler = new Scheduler({
          project,
          logger,
          runTick: (syncs, signal) =>
            runProjectOrSkip(project, options, { ...defaultRunOptions, trigger: 'schedule', select: syncs }, signal),
          recordSkip: async (sync, reason) => {
            const store = await openStateStore(project.config.state, project.dir);
            try {
              await recordSkippedRun(store, project, [sync], 'schedule', reason);
            } finally {
              await store.close();
            }
          },
        });
        const inbound = await startScheduledInbound(project, logger);
        const scheduled = scheduler.start();
        process.stderr.write(`sluice: scheduling ${scheduled.length} syncs; stop with SIGTERM or Ctrl-C\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        process.stderr.write('sluice: stopping; finishing the batch in flight\n');
        await scheduler.stop();
        await inbound?.stop();
        return EXIT.success;
      });
    });
}
