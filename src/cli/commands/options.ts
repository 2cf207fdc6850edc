import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { defaultRunOptions, type RunOptions } from '../../run/run-context.js';
import type { GlobalOptions } from '../session.js';

export interface RunFlags {
  select?: string[];
  var?: string[];
  full?: boolean;
  allowRemovals?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function addRunFlags(command: Command, withSelect: boolean): Command {
  if (withSelect) command.option('-s, --select <names...>', 'syncs or models to run (a model selects its syncs); default: all');
  return command
    .option('--var <name=value...>', 'override a var of sluice.yml for this run')
    .option('--full', 'send every delivered row again; removals still apply')
    .option('--allow-removals', 'skip the removal and model-shrink guards for this run');
}

export function toRunOptions(flags: RunFlags, select: string[]): RunOptions {
  return {
    ...defaultRunOptions,
    select: select.flatMap((name) => name.split(',')).filter(Boolean),
    vars: parseVars(flags.var ?? []),
    full: flags.full ?? false,
    allowRemovals: flags.allowRemovals ?? false,
  };
}

function parseVars(pairs: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new SluiceError('selection_invalid', `--var ${pair}: expected NAME=VALUE, as in --var as_of=2011-12-10`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}
