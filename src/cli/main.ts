import { Command, Option } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command()
  .name('sluice')
  .description('Warehouse-native customer data platform: build SQL models, diff them, sync the changes')
  .addOption(new Option('-p, --project <dir>', 'project folder containing sluice.yml').default(process.cwd(), 'the current folder'))
  .option('--json', 'print one JSON document instead of text, and no progress bars')
  .option('-v, --verbose', 'also write debug log events to stderr')
  .option('--no-imitations', 'do not start the local vendor imitations listed in sluice.yml')
  .showHelpAfterError();

registerCommands(program);
await program.parseAsync(process.argv);
