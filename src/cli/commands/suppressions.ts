import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { openStateStore } from '../../state/open-store.js';
import type { StateStore } from '../../state/store.js';
import { SUPPRESSION_CHANNELS, parseChannel, parseSuppressionAddress } from '../../suppression/parse-address.js';
import type { SuppressionChannel, SuppressionEntry } from '../../suppression/suppression-list.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { renderSuppressionList } from '../render-suppressions.js';
import { type GlobalOptions, loadCliProject } from '../session.js';
import { globalOptions } from './options.js';

export function registerSuppressions(program: Command): void {
  const suppressions = program
    .command('suppressions')
    .description('list, add or remove entries of the suppression list: addresses that are never messaged');

  suppressions
    .command('list')
    .description('list the entries, oldest first')
    .option('--channel <channel>', `only entries of this channel: ${SUPPRESSION_CHANNELS.join(' or ')}`)
    .action(async (flags: { channel?: string }, cmd: Command) => {
      const options = globalOptions(cmd);
      await withStore(options, async (store) => {
        const channel = flags.channel === undefined ? undefined : channelArgument(flags.channel, '--channel');
        const entries = await store.suppressions.list({ channel });
        print(options, { entries }, () => renderSuppressionList(entries));
        return EXIT.success;
      });
    });

  suppressions
    .command('add <channel> <value>')
    .description('suppress an address on a channel for every sender (source: manual)')
    .option('--reason <text>', 'why the address is suppressed, shown by list', 'added by an operator')
    .action(async (channelText: string, value: string, flags: { reason: string }, cmd: Command) => {
      const options = globalOptions(cmd);
      await withStore(options, async (store) => {
        const channel = channelArgument(channelText, 'CHANNEL');
        const address = addressArgument(channel, value);
        const entry: SuppressionEntry = {
          channel,
          address,
          sender: null,
          reason: flags.reason,
          source: 'manual',
          createdAt: new Date().toISOString(),
        };
        const existed = await store.suppressions.isSuppressed(channel, address);
        await store.suppressions.add([entry]);
        const result = { channel, address, added: !existed };
        print(options, result, () => (existed ? `${channel} ${address} was already suppressed for every sender` : `suppressed ${channel} ${address}`));
        return EXIT.success;
      });
    });

  suppressions
    .command('remove <channel> <value>')
    .description('remove the every-sender entry of an address, whatever added it')
    .action(async (channelText: string, value: string, _flags: unknown, cmd: Command) => {
      const options = globalOptions(cmd);
      await withStore(options, async (store) => {
        const channel = channelArgument(channelText, 'CHANNEL');
        const address = addressArgument(channel, value);
        const removed = await store.suppressions.remove({ channel, address, sender: null });
        print(options, { channel, address, removed }, () =>
          removed === 0 ? `${channel} ${address} had no entry for every sender; nothing removed` : `removed ${channel} ${address}`,
        );
        // Removing an absent entry succeeds, so that a script may repeat a removal.
        return EXIT.success;
      });
    });
}

async function withStore(options: GlobalOptions, body: (store: StateStore) => Promise<number>): Promise<never> {
  return runCommand(options, async () => {
    const project = await loadCliProject(options);
    const store = await openStateStore(project.config.state, project.dir);
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  });
}

function channelArgument(text: string, name: string): SuppressionChannel {
  const channel = parseChannel(text);
  if (channel === undefined) {
    throw new SluiceError('selection_invalid', `${name} "${text}" is not a channel; use ${SUPPRESSION_CHANNELS.join(' or ')}`);
  }
  return channel;
}

function addressArgument(channel: SuppressionChannel, text: string): string {
  const parsed = parseSuppressionAddress(channel, text);
  if (!parsed.ok) throw new SluiceError('selection_invalid', `VALUE for ${channel} ${parsed.problem}`);
  return parsed.address;
}
