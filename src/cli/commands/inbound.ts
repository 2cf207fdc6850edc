import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { type InboundOverrides, resolveInboundSettings, startProjectInbound } from '../../inbound/project-inbound.js';
import { openStateStore } from '../../state/open-store.js';
import { EXIT } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { cliLogger, loadCliProject } from '../session.js';
import { waitForStopSignal } from '../signals.js';
import { globalOptions } from './options.js';

interface ServeFlags {
  destination?: string;
  host?: string;
  port?: string;
  path?: string;
  publicUrl?: string;
}

export function registerInbound(program: Command): void {
  const inbound = program.command('inbound').description('receive replies from people, such as SMS opt-outs');
  inbound
    .command('serve')
    .description("serve Twilio's inbound-message webhook until SIGTERM; keyword replies update the suppression list")
    .option('--destination <name>', 'Twilio destination whose auth token validates X-Twilio-Signature (default: inbound.twilio.destination, or the only Twilio destination)')
    .option('--host <address>', 'interface to listen on (default: inbound.twilio.host, or 127.0.0.1)')
    .option('--port <number>', 'TCP port to listen on; 0 picks a free one (default: inbound.twilio.port, or 8787)')
    .option('--path <path>', 'URL path Twilio posts to (default: inbound.twilio.path, or /twilio/inbound)')
    .option('--public-url <url>', 'the webhook URL configured in Twilio, which it signs; needed behind a proxy or tunnel')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const options = { ...globalOptions(cmd), verbose: true };
      await runCommand(options, async () => {
        const project = await loadCliProject(options);
        const overrides: InboundOverrides = { ...flags, port: flags.port === undefined ? undefined : parsePort(flags.port) };
        const settings = resolveInboundSettings(project, overrides);
        const logger = cliLogger(project, options);
        const store = await openStateStore(project.config.state, project.dir, { logger });
        try {
          const server = await startProjectInbound(project, settings, store.suppressions, logger);
          process.stderr.write(`sluice: receiving Twilio replies at ${server.url}; stop with SIGTERM or Ctrl-C\n`);
          await waitForStopSignal();
          await server.close();
        } finally {
          await store.close();
        }
        return EXIT.success;
      });
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SluiceError('selection_invalid', `--port ${text}: expected a TCP port from 0 to 65535`);
  }
  return port;
}
