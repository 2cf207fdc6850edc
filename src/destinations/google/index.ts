export { googleDestinationType } from './google-type.js';
export { googleAccountSchema, googleSyncSchema } from './google-config.js';
export type { GoogleAccount, GoogleSyncOptions } from './google-config.js';
