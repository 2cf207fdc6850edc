import type { Command } from 'commander';
import { planProjectSync } from '../../run/plan-project-sync.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { renderPlan } from '../render.js';
import { loadCliProject, withRunContext } from '../session.js';
import { addRunFlags, globalOptions, toRunOptions, type RunFlags } from './options.js';

export function registerPlan(program: Command): void {
  const command = program
    .command('plan <sync>')
    .description('show what a run of one sync would send: counts and sample rows, without sending');
  addRunFlags(command, false).action(async (sync: string, flags: RunFlags, cmd: Command) => {
    const options = globalOptions(cmd);
    await runCommand(options, async () => {
      const project = await loadCliProject(options);
      const plan = await withRunContext(project, options, (context) => planProjectSync(context, sync, toRunOptions(flags, [sync])));
      const { spec, ...data } = plan;
      print(options, { ...data, mode: spec.mode, model: spec.model.name }, () => renderPlan(plan));
      return plan.guards.some((guard) => guard.tripped) ? EXIT.guarded : EXIT.success;
    });
  });
}
