/** Public interface of identity resolution; the other files in this folder are its parts. */
export { buildIdentity, type BlockedValueCount, type IdentityBuildOptions, type IdentityBuildResult } from './build-identity.js';
export {
  explainIdentifier,
  identifierTypeNames,
  normaliseIdentifier,
  type ExplainedIdentifier,
  type Hop,
  type IdentifierExplanation,
  type IdentifierRef,
  type LinkInfo,
  type ProfileMerge,
  type RemovedLink,
} from './explain.js';
export { formatExplanation } from './format-explanation.js';
export {
  identityConfigSchema,
  identityRelations,
  parseIdentityConfig,
  type IdentityConfig,
  type IdentityRelation,
  type IdentityTableNames,
} from './identity-config.js';
export { IdentityError } from './identity-error.js';
export type { LimitEnforcement } from './enforce-limits.js';
export type { QuarantinedIdentifier } from './profile-size.js';
export type { ProfileIdChanges } from './stable-ids.js';
export { rowsWithProfileSql } from './rows-with-profile.js';
