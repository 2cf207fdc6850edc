export { tiktokDestinationType } from './tiktok-type.js';
export { tiktokAccountSchema, tiktokSyncSchema } from './tiktok-config.js';
export type { TikTokAccount, TikTokSyncOptions } from './tiktok-config.js';
