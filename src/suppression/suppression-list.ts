/**
 * The suppression list: addresses Sluice must not message, per channel and optionally per
 * sender. Destinations check it at send time, so a person who opted out is not messaged even
 * when their row is still in a model.
 *
 * Storage needs one table, which the state store can implement:
 *
 *   suppressions
 *     channel     text not null       'sms' or 'email'
 *     address     text not null       E.164 phone number or lower-cased email address
 *     sender      text null           sending number, short code, messaging service SID or
 *                                     email sender; NULL suppresses the address for every sender
 *     reason      text not null       human-readable, such as 'replied "STOP"'
 *     source      text not null       see SuppressionSource
 *     created_at  timestamp not null  UTC
 *   unique index on (channel, address, coalesce(sender, ''))
 *
 * SQLite and Postgres both treat NULLs as distinct in a plain unique constraint, hence the
 * expression index. Lookups read by (channel, address), which the same index serves.
 */

/** A channel is suppressed on its own: an SMS opt-out does not stop email. */
export type SuppressionChannel = 'sms' | 'email';

/**
 * Origin of an entry. `inbound_reply`: the person replied with an opt-out keyword.
 * `destination_error`: the destination rejected a message for consent reasons (Twilio 21610).
 * `manual`: added by an operator. `erasure_request`: the person asked to be forgotten.
 * Opt-in keywords lift only `inbound_reply` and `destination_error` entries.
 */
export type SuppressionSource =
  | 'inbound_reply'
  | 'destination_error'
  | 'manual'
  | 'erasure_request';

export interface SuppressionEntry {
  channel: SuppressionChannel;
  /** Normalised address (see normalizeAddress). */
  address: string;
  /** The one sender this entry blocks, or null for every sender. */
  sender: string | null;
  reason: string;
  source: SuppressionSource;
  /** ISO-8601 UTC timestamp. */
  createdAt: string;
}

export interface SuppressionFilter {
  channel?: SuppressionChannel;
  address?: string;
}

/** Entries to remove: one address and sender on one channel, optionally only from some sources. */
export interface SuppressionRemoval {
  channel: SuppressionChannel;
  address: string;
  /** The sender of the entries to remove; null removes the entry for every sender. */
  sender: string | null;
  /** Remove only entries from these sources; all sources when undefined. */
  sources?: readonly SuppressionSource[];
}

/**
 * Storage for suppression entries. Implementations normalise addresses with normalizeAddress,
 * so callers may pass them as written.
 */
export interface SuppressionList {
  /**
   * Whether the address may not be messaged on the channel by `sender`: true when an entry for
   * every sender exists, or one for this sender. Without `sender`, only entries for every sender
   * count.
   */
  isSuppressed(channel: SuppressionChannel, address: string, sender?: string): Promise<boolean>;
  /** Adds entries. An entry for a (channel, address, sender) already present is left as it is. */
  add(entries: readonly SuppressionEntry[]): Promise<void>;
  /** Removes matching entries and returns how many were removed. */
  remove(removal: SuppressionRemoval): Promise<number>;
  /** Returns the entries matching the filter, oldest first. */
  list(filter?: SuppressionFilter): Promise<SuppressionEntry[]>;
}
