import type { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { Row } from '../core/values.js';
import type { SuppressionChannel, SuppressionList } from '../suppression/suppression-list.js';

/**
 * Operation a destination performs on one row. Sync modes map onto these (see sync/modes.ts);
 * connectors check the operation, never the mode.
 */
export type Operation = 'upsert' | 'update' | 'insert' | 'delete' | 'add' | 'remove' | 'send';

/** One row to deliver: old and new mapped values plus the operation. */
export interface ChangeRecord {
  /** Canonical text of the primary key; unique within a sync. */
  key: string;
  operation: Operation;
  /** The mapped fields to deliver, by destination field name. `null` for delete and remove. */
  fields: Row | null;
  /**
   * The mapped fields as last delivered, from the snapshot. Removals use them to name the
   * identifiers the destination holds. `null` for rows never delivered.
   */
  previous: Row | null;
  /** Hash of `fields`; with the sync name and key it identifies one message for the send ledger. */
  contentHash: string;
}

export type RowOutcome =
  | { status: 'accepted' }
  | { status: 'rejected'; reason: string }
  /**
   * Not sent, because the recipient is on the suppression list. Unlike a rejection this is the
   * intended outcome, so it counts as skipped and leaves the run's status alone. The row stays
   * out of the snapshot, so it is checked again on the next run and sent once the entry is lifted.
   */
  | { status: 'suppressed'; reason: string }
  | {
      status: 'retry';
      reason: string;
      retryAfterMs?: number;
      /**
       * True when the request may have reached the destination (a timeout after sending).
       * The engine then never re-sends the row to a non-idempotent destination.
       */
      outcomeUnknown?: boolean;
    };

/** Capabilities a connector declares. The engine batches, paces and guards by them. */
export interface DestinationCapabilities {
  operations: readonly Operation[];
  /** Rows per call; the engine never builds a larger batch. */
  maxBatchSize: number;
  /** Calls per second allowed for one account, or undefined when unlimited or unknown. */
  maxRequestsPerSecond?: number;
  /** Calls in flight at once for one account. */
  maxConcurrency: number;
  /**
   * Whether repeating a call has the same effect as making it once. When false the engine records
   * each row in the send ledger before and after the call, so a crash never sends it twice.
   */
  idempotent: boolean;
}

export interface DestinationContext {
  logger: Logger;
  /** The project root, for destinations that resolve relative paths. */
  projectDir: string;
  /** The run id; connectors may put it in file names or request headers. */
  runId: string;
  syncName: string;
  /**
   * True when the run sends every current row of the model (`--full`), so that a destination
   * may replace its whole contents in place of applying the changes.
   */
  fullRefresh?: boolean;
  signal?: AbortSignal;
  /**
   * The project's suppression list. Messaging destinations check it before each send and add
   * the opt-outs the vendor reports, so an opted-out person is never messaged again.
   */
  suppressions?: SuppressionList;
}

/** The address a record would message, for the suppression list. */
export interface Recipient {
  channel: SuppressionChannel;
  /** Normalised as the suppression list stores it (see normalizeAddress). */
  address: string;
}

/** An open connection to one destination for one sync. */
export interface Destination {
  readonly capabilities: DestinationCapabilities;
  /**
   * Returns the address a record adds to a mailing list or messages, or undefined for a record
   * that reaches no one, such as a removal. The engine holds back records whose recipient is on
   * the suppression list before calling `write`. Destinations that check the list themselves,
   * per sender, leave this out.
   */
  recipientOf?(record: ChangeRecord): Recipient | undefined;
  /**
   * Delivers a batch and returns exactly one outcome per record, in the same order. Throws a
   * DestinationError only when the call failed as a whole (for example authentication); one bad
   * row is returned as rejected, never thrown.
   */
  write(records: ChangeRecord[]): Promise<RowOutcome[]>;
  /**
   * Makes every row reported accepted durable (for a file: synced and renamed into place). The
   * engine calls it after the last batch and before it advances the snapshot, so a crash can
   * never leave the snapshot ahead of what the destination keeps. Optional for destinations
   * whose writes are durable when the call returns.
   */
  flush?(): Promise<void>;
  /** Releases resources. Called once after the last batch, also after a failure. */
  close(): Promise<void>;
}

/**
 * A kind of destination: its config schemas and a factory. `accountSchema` validates the
 * named destination in sluice.yml (connection, credentials); `syncSchema` validates the
 * `destination_options` of each sync that uses it (target list, file name).
 */
export interface DestinationType<Account = unknown, SyncOptions = unknown> {
  readonly type: string;
  readonly accountSchema: z.ZodType<Account>;
  readonly syncSchema: z.ZodType<SyncOptions>;
  /** A key shared by every sync writing to the same account, for one shared rate budget. */
  accountKey(account: Account): string;
  /**
   * Checks a sync's options against the project's files and the sync's mapping, without
   * connecting, and returns the problems found. `sluice validate` reports them, and a run stops
   * the sync on them before it sends anything.
   */
  checkSync?(options: SyncOptions, sync: SyncCheckContext): Promise<SyncProblem[]>;
  open(account: Account, options: SyncOptions, context: DestinationContext): Promise<Destination>;
}

/** The facts about a sync that a destination's checkSync may read. */
export interface SyncCheckContext {
  projectDir: string;
  /** The destination field names of the sync's mapping. */
  mappedFields: readonly string[];
}

/** A problem in a sync's file found by checkSync, at a dotted path such as `destination_options.template`. */
export interface SyncProblem {
  path: string;
  message: string;
}
