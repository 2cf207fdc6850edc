import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { openStateStore } from '../../state/open-store.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { renderRunDetail, renderRunList } from '../render.js';
import { loadCliProject } from '../session.js';
import { globalOptions } from './options.js';

export function registerRuns(program: Command): void {
  program
    .command('runs [run]')
    .description('list recent runs, or show one run: model versions, sync counts and rejected rows')
    .option('-n, --limit <count>', 'how many runs to list, or rejected rows to show', (value) => Number.parseInt(value, 10), 20)
    .action(async (runId: string | undefined, flags: { limit: number }, cmd: Command) => {
      const options = globalOptions(cmd);
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        const store = await openStateStore(project.config.state, project.dir);
        try {
          if (!runId) {
            const runs = await store.listRuns(flags.limit);
            print(options, runs, () => renderRunList(runs));
            return EXIT.success;
          }
          const run = await store.getRun(runId);
          if (!run) throw new SluiceError('not_found', `Run ${runId} not found; list runs with: sluice runs`);
          const [models, syncs, rejections] = await Promise.all([
            store.listModelRuns(runId),
            store.listSyncRuns(runId),
            store.listRejections(runId, undefined, flags.limit),
          ]);
          print(options, { run, models, syncs, rejections }, () => renderRunDetail(run, models, syncs, rejections));
          return EXIT.success;
        } finally {
          await store.close();
        }
      });
    });
}
