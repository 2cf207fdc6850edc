import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { exitOnUsageErrors } from './usage-errors.js';

// package.json is two folders up from both src/cli/main.ts and the compiled dist/cli/main.js.
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('sluice')
  .description('Warehouse-native customer data platform: build SQL models, diff them, sync the changes')
  .version(packageJson.version, '-V, --version', 'print the version of sluice')
  .addOption(new Option('-p, --project <dir>', 'project folder containing sluice.yml').default(process.cwd(), 'the current folder'))
  .option('--json', 'print one JSON document instead of text, and no progress bars')
  .option('-v, --verbose', 'also write debug log events to stderr')
  .option('--no-imitations', 'do not start the local vendor imitations listed in sluice.yml')
  .showHelpAfterError();

registerCommands(program);
exitOnUsageErrors(program);
await program.parseAsync(process.argv);
