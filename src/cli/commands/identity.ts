import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { explainIdentifier, formatExplanation, identifierTypeNames, normaliseIdentifier } from '../../identity/index.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { loadCliProject, withRunContext } from '../session.js';
import { globalOptions } from './options.js';

export function registerIdentity(program: Command): void {
  const identity = program.command('identity').description('inspect the identity graph');
  identity
    .command('explain <type> <value>')
    .description('show the profile of an identifier, its identifiers, and the links with sources that joined them')
    .option('--country <code>', 'country for a phone number written without one')
    .action(async (type: string, value: string, flags: { country?: string }, cmd: Command) => {
      const options = { ...globalOptions(cmd), imitations: false };
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        const config = project.config.identity;
        if (!config) throw new SluiceError('selection_invalid', 'This project declares no identity model; add an identity: section to sluice.yml');
        const types = identifierTypeNames(config);
        if (!types.includes(type)) {
          throw new SluiceError('usage_invalid', `Unknown identifier type "${type}"; use one of the types that identity: in sluice.yml declares: ${types.join(', ')}`);
        }

        const normalised = normaliseIdentifier(config, type, value, flags.country) ?? value;
        const explanation = await withRunContext(project, options, (context) =>
          explainIdentifier(context.warehouse, project.config.warehouse.schema, type, normalised, { tables: config.tables }),
        );
        print(options, explanation, () => formatExplanation(explanation).join('\n'));
        // A blocked identifier counts as found, and its explanation lists why it links nothing.
        return explanation.status === 'not_found' ? EXIT.notFound : EXIT.success;
      });
    });
}
