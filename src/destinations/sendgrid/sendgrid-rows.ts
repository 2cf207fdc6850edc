import type { DestinationContext } from '../destination.js';
import type { SendgridApi } from './sendgrid-api.js';
import type { SendgridAccount, SendgridSyncOptions } from './sendgrid-config.js';

/** State shared by the upsert and removal steps of one sync. */
export interface SendgridWriteContext {
  api: SendgridApi;
  account: SendgridAccount;
  options: SendgridSyncOptions;
  context: DestinationContext;
}
