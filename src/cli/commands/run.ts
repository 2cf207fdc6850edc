import type { Command } from 'commander';
import { exitCodeForRun } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { renderRunSummary } from '../render.js';
import { loadCliProject, runProjectOrSkip } from '../session.js';
import { stopOnSignals } from '../signals.js';
import { addRunFlags, globalOptions, toRunOptions, type RunFlags } from './options.js';

export function registerRun(program: Command): void {
  const command = program.command('run').description('build the models and run every sync (or the selected ones)');
  addRunFlags(command, true).action(async (flags: RunFlags, cmd: Command) => {
    await runSelected(cmd, flags, flags.select ?? []);
  });
}

export function registerSync(program: Command): void {
  const command = program.command('sync <sync>').description('build the models one sync needs and run that sync');
  addRunFlags(command, false).action(async (sync: string, flags: RunFlags, cmd: Command) => {
    await runSelected(cmd, flags, [sync]);
  });
}

async function runSelected(cmd: Command, flags: RunFlags, select: string[]): Promise<void> {
  const options = globalOptions(cmd);
  await runCommand(options, async () => {
    const project = await loadCliProject(options);
    const runOptions = toRunOptions(flags, select);
    const signal = stopOnSignals();
    const summary = await runProjectOrSkip(project, options, runOptions, signal);
    print(options, summary, () => renderRunSummary(summary));
    return exitCodeForRun(summary);
  });
}
