import type { SyncDefinition } from '../config/project.js';
import { SluiceError } from '../core/errors.js';
import type { Destination } from '../destinations/destination.js';
import type { RunContext } from './run-context.js';

/**
 * Opens the destination a sync writes to, with its account and per-sync options validated.
 * `fullRefresh` tells it that the run sends every current row.
 */
export async function openSyncDestination(context: RunContext, sync: SyncDefinition, runId: string, fullRefresh = false): Promise<Destination> {
  const account = context.project.config.destinations[sync.config.destination]!;
  const type = context.destinationTypes.get(account.type);
  if (!type) {
    const known = [...context.destinationTypes.keys()].join(', ');
    throw new SluiceError('config_invalid', `Destination type "${account.type}" is not supported; use one of ${known}`);
  }
  const accountConfig = type.accountSchema.parse(account);
  const syncOptions = type.syncSchema.parse(sync.config.destination_options);
  return type.open(accountConfig, syncOptions, {
    logger: context.logger,
    projectDir: context.project.dir,
    runId,
    syncName: sync.name,
    fullRefresh,
    signal: context.signal,
    suppressions: context.store.suppressions,
  });
}
