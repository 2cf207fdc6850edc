export { metaDestinationType } from './meta-type.js';
export { metaAccountSchema, metaSyncSchema } from './meta-config.js';
export type { MetaAccount, MetaSyncOptions } from './meta-config.js';
