import type { Command, CommanderError } from 'commander';
import { SluiceError } from '../core/errors.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './output.js';
import type { GlobalOptions } from './session.js';

/** Commander exits through the same path after printing help or the version on request. */
const REQUESTED_OUTPUT = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Makes every command exit 2 on a command-line error, such as a missing argument or an unknown
 * option or command. Commander exits 1, which Sluice keeps for unexpected errors. With --json the
 * error is one JSON document on stdout, like every other error, and commander writes nothing to
 * stderr. Call it after every command is registered.
 */
export function exitOnUsageErrors(program: Command): void {
  for (const command of commandTree(program)) {
    command.configureOutput({
      writeErr: (text) => {
        if (!jsonRequested()) process.stderr.write(text);
      },
    });
    command.exitOverride((error) => exitForCommanderError(program, command, error));
  }
}

function exitForCommanderError(program: Command, command: Command, error: CommanderError): never {
  // `commander.help` with code 0 comes from `sluice help`. With code 1, commander printed the help
  // because no subcommand was given, which is a usage error.
  const requested = REQUESTED_OUTPUT.has(error.code) || (error.code === 'commander.help' && error.exitCode === 0);
  if (requested) process.exit(error.exitCode);

  if (jsonRequested()) {
    const options: GlobalOptions = { ...program.opts<GlobalOptions>(), json: true };
    reportError(options, new SluiceError('usage_invalid', usageMessage(command, error)));
  }
  process.exit(EXIT.invalid);
}

function usageMessage(command: Command, error: CommanderError): string {
  const problem = error.code === 'commander.help' ? 'missing command' : error.message.replace(/^error: /, '').replace(/\n/g, ' ');
  return `${problem}; usage: ${commandPath(command)} ${command.usage()}`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

function commandTree(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandTree)];
}

/**
 * Reads --json from the raw arguments, because a usage error can stop commander before it has
 * parsed that flag. Arguments after `--` are operands, not options.
 */
function jsonRequested(): boolean {
  const args = process.argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}
