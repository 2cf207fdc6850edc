import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { startProjectImitations } from '../imitations.js';
import { print, runCommand } from '../output.js';
import { cliLogger, loadCliProject } from '../session.js';
import { globalOptions } from './options.js';

export function registerImitations(program: Command): void {
  program
    .command('imitations')
    .description('serve the local vendor imitations listed in sluice.yml until SIGTERM or Ctrl-C')
    .action(async (_flags, cmd: Command) => {
      const options = globalOptions(cmd);
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        const { imitations, stop } = await startProjectImitations(project, cliLogger(project, options));
        print(options, imitations, () =>
          imitations
            .map((i) => `${i.name.padEnd(10)} ${i.url} ${i.started ? '' : '(port in use, not started) '}${Object.entries(i.credentials).map(([k, v]) => `${k}=${v}`).join(' ')}`)
            .join('\n'),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        await stop();
        return EXIT.success;
      });
    });
}
