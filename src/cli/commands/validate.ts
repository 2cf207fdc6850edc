import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { destinationTypes } from '../../destinations/registry.js';
import { compileProject } from '../../models/compile.js';
import { checkSyncDestinations } from '../../run/check-sync-destinations.js';
import { describeWarehouse } from '../../warehouse/open-warehouse.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { loadCliProject } from '../session.js';
import { Scheduler } from '../../schedule/scheduler.js';
import { globalOptions } from './options.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check sluice.yml, every model and every sync, and report every problem at once')
    .action(async (_options, command: Command) => {
      const options = globalOptions(command);
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        // Compiling checks refs, sources, vars and cycles without touching the warehouse.
        const models = compileProject(project, {
          ...describeWarehouse(project.config.warehouse),
          schema: project.config.warehouse.schema,
          vars: project.config.vars,
        });
        Scheduler.scheduledSyncs(project);
        const issues = await checkSyncDestinations(project.dir, project.config.destinations, project.syncs.values(), destinationTypes);
        if (issues.length > 0) throw new ConfigError(issues);
        const result = { valid: true, project: project.config.name, models: models.length, syncs: project.syncs.size };
        print(options, result, () => `Project ${result.project} is valid: ${result.models} models, ${result.syncs} syncs.`);
        return EXIT.success;
      });
    });
}
