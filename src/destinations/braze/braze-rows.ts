import type { DestinationContext } from '../destination.js';
import type { BrazeApi } from './braze-api.js';
import type { BrazeAccount, BrazeSyncOptions } from './braze-config.js';

/** State shared by the track, subscription and delete steps of one sync. */
export interface BrazeWriteContext {
  api: BrazeApi;
  account: BrazeAccount;
  options: BrazeSyncOptions;
  context: DestinationContext;
}

/** Logs rows left out because another row of the batch named the same user. */
export function logDuplicates(write: BrazeWriteContext, identifier: string, rows: number): void {
  if (rows === 0) return;
  write.context.logger.log('warn', 'destination.duplicate_identifier', {
    destination: 'braze',
    sync: write.context.syncName,
    identifier,
    rows,
  });
}

export function duplicateReason(identifier: string, firstKey: string): string {
  return (
    `duplicate ${identifier}: row ${JSON.stringify(firstKey)} of the same batch names the ` +
    'same Braze user, and only that row was sent'
  );
}
