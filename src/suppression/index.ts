/**
 * Suppression: who must not be messaged, per channel and sender, and how SMS keyword replies
 * change that.
 */
export {
  type InboundReply,
  type ReplyResult,
  applyInboundReplies,
  suppressionEntriesFromReplies,
} from './inbound-replies.js';
export { MemorySuppressionList } from './memory-suppression-list.js';
export { normalizeAddress } from './normalize-address.js';
export {
  HELP_KEYWORDS,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  type ReplyKeyword,
  type ReplyKind,
  classifyReply,
} from './opt-out-keywords.js';
export type {
  SuppressionChannel,
  SuppressionEntry,
  SuppressionFilter,
  SuppressionList,
  SuppressionRemoval,
  SuppressionSource,
} from './suppression-list.js';
