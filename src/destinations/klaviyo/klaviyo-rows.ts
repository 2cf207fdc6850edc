import type { DestinationContext } from '../destination.js';
import type { KlaviyoApi } from './klaviyo-api.js';
import type { KlaviyoAccount, KlaviyoSyncOptions } from './klaviyo-config.js';

/** State shared by the import, list and removal steps of one sync. */
export interface KlaviyoWriteContext {
  api: KlaviyoApi;
  account: KlaviyoAccount;
  options: KlaviyoSyncOptions;
  context: DestinationContext;
}
