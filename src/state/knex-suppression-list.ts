import type { Knex } from 'knex';
import { StateError, errorMessage } from '../core/errors.js';
import { REDACTED } from '../core/redact.js';
import { normalizeAddress } from '../suppression/normalize-address.js';
import type {
  SuppressionChannel,
  SuppressionEntry,
  SuppressionFilter,
  SuppressionList,
  SuppressionRemoval,
  SuppressionSource,
} from '../suppression/suppression-list.js';
import { STATE_TABLES } from './migrations.js';

/**
 * Rows per INSERT. Knex 3 writes a SQLite multi-row insert as a compound SELECT, which SQLite
 * limits to 500 terms, and SQLite before 3.32 allows 999 bound variables (6 columns per row).
 */
const ROWS_PER_INSERT = 150;

const CHANNELS: readonly SuppressionChannel[] = ['sms', 'email'];

const SOURCES: ReadonlySet<string> = new Set<SuppressionSource>([
  'inbound_reply',
  'destination_error',
  'manual',
  'erasure_request',
]);

/** ISO 8601 date and time with `Z` or an offset, so that `Date.parse` never assumes local time. */
const TIMESTAMP_PATTERN = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

/**
 * Conflict target of the unique index made by the `0002_suppressions` migration. Postgres needs
 * an index expression in parentheses, and SQLite accepts the same form.
 */
const ENTRY_CONFLICT_TARGET = "(channel, address, (coalesce(sender, '')))";

export interface KnexSuppressionListOptions {
  /** Description of the database for error messages, such as `SQLite file …`. No credentials. */
  description: string;
  /** Postgres schema that contains the table. Leave undefined on SQLite. */
  schema?: string;
  /** Strings removed from error messages, such as a connection URL and its password. */
  secrets?: readonly string[];
}

interface SuppressionRow {
  channel: string;
  address: string;
  sender: string | null;
  reason: string;
  source: string;
  created_at: string;
}

/**
 * The suppression list in the state store's `sluice_suppressions` table, on SQLite or Postgres.
 * Addresses and senders are stored normalised (see normalizeAddress). Every failure, invalid
 * input included, is raised as a `StateError` that names the operation and the store.
 */
export class KnexSuppressionList implements SuppressionList {
  readonly #db: Knex;
  readonly #schema: string | undefined;
  readonly #description: string;
  readonly #secrets: readonly string[];

  constructor(db: Knex, options: KnexSuppressionListOptions) {
    this.#db = db;
    this.#schema = options.schema;
    this.#description = options.description;
    this.#secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  }

  /**
   * Returns true when an entry for every sender exists, or one for `sender`. Without `sender`,
   * only entries for every sender count.
   */
  async isSuppressed(
    channel: SuppressionChannel,
    address: string,
    sender?: string,
  ): Promise<boolean> {
    return this.#attempt(`check whether an address is suppressed on ${channel}`, async () => {
      checkChannel(channel);
      const query = this.#table()
        .where({ channel, address: normalizeAddress(channel, address) })
        .first('channel');

      if (sender === undefined) {
        query.whereNull('sender');
      } else {
        const normalizedSender = normalizeAddress(channel, sender);
        query.where((senders) => {
          senders.whereNull('sender').orWhere('sender', normalizedSender);
        });
      }

      return (await query) !== undefined;
    });
  }

  /**
   * Inserts the entries, all or none. An entry whose (channel, address, sender) is already
   * stored, or repeats an earlier one in `entries`, is skipped by `on conflict do nothing` on the
   * unique index, so concurrent adders of one entry all succeed and the first stored one stays.
   * Raises before writing anything when an entry is invalid.
   */
  async add(entries: readonly SuppressionEntry[]): Promise<void> {
    if (entries.length === 0) return;

    await this.#attempt(`add ${entries.length} suppression entries`, async () => {
      const rows = entries.map((entry, index) => toSuppressionRow(entry, index, entries.length));
      const batches: SuppressionRow[][] = [];
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        batches.push(rows.slice(start, start + ROWS_PER_INSERT));
      }

      // One statement is atomic by itself, and without a transaction around it SQLite holds
      // the write lock only while the statement runs.
      if (batches.length === 1) {
        await this.#insertNew(this.#db, rows);
        return;
      }
      await this.#db.transaction(async (trx) => {
        for (const batch of batches) await this.#insertNew(trx, batch);
      });
    });
  }

  async #insertNew(db: Knex | Knex.Transaction, rows: SuppressionRow[]): Promise<void> {
    await this.#table(db).insert(rows).onConflict(db.raw(ENTRY_CONFLICT_TARGET)).ignore();
  }

  /**
   * Deletes the entry for the address and sender, or the every-sender entry when `sender` is
   * null, if its source is one of `sources`. An empty `sources` removes nothing.
   */
  async remove(removal: SuppressionRemoval): Promise<number> {
    const { channel, sources } = removal;

    return this.#attempt(`remove a suppression entry on ${channel}`, async () => {
      checkChannel(channel);
      for (const source of sources ?? []) checkSource(source);

      const query = this.#table().where({
        channel,
        address: normalizeAddress(channel, removal.address),
      });
      if (removal.sender === null) query.whereNull('sender');
      else query.where('sender', normalizeAddress(channel, removal.sender));
      if (sources !== undefined) query.whereIn('source', [...sources]);

      return query.delete();
    });
  }

  /**
   * Returns matching entries ordered by `created_at`, then by insertion. An `address` without a
   * `channel` is normalised for each channel and matched against that channel's entries.
   */
  async list(filter: SuppressionFilter = {}): Promise<SuppressionEntry[]> {
    const { channel, address } = filter;

    return this.#attempt('list suppression entries', async () => {
      if (channel !== undefined) checkChannel(channel);

      const query = this.#table<SuppressionRow>()
        .select('channel', 'address', 'sender', 'reason', 'source', 'created_at')
        .orderBy([{ column: 'created_at' }, { column: 'id' }]);

      const channels = channel === undefined ? CHANNELS : [channel];
      if (address !== undefined) {
        query.where((matches) => {
          for (const candidate of channels) {
            const normalized = normalizeAddress(candidate, address);
            matches.orWhere({ channel: candidate, address: normalized });
          }
        });
      } else if (channel !== undefined) {
        query.where({ channel });
      }

      const rows = await query;
      return rows.map(fromSuppressionRow);
    });
  }

  #table<Row extends object = object>(
    db: Knex | Knex.Transaction = this.#db,
  ): Knex.QueryBuilder<Row> {
    const query = db<Row>(STATE_TABLES.suppressions);
    return this.#schema === undefined ? query : query.withSchema(this.#schema);
  }

  // NOTE: knex writes the failed statement with its bound values, addresses included, into a
  // driver error's message unless the knex instance sets `compileSqlOnError: false`.
  async #attempt<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof StateError) throw error;

      let cause = errorMessage(error);
      for (const secret of this.#secrets) cause = cause.split(secret).join(REDACTED);
      throw new StateError(
        `Failed to ${operation} in the state store (${this.#description}): ${cause}`,
        { cause: error },
      );
    }
  }
}

/**
 * Validates an entry and returns its row. A sender that normalises to the empty string is
 * rejected, because the unique index would treat it as the every-sender entry. Messages name
 * the entry by position, not by address, to keep personal data out of logs.
 */
function toSuppressionRow(entry: SuppressionEntry, index: number, count: number): SuppressionRow {
  const invalid = (problem: string) =>
    new Error(`invalid suppression entry ${index + 1} of ${count}: ${problem}`);

  if (!CHANNELS.includes(entry.channel)) {
    throw invalid(`channel "${entry.channel}" is not sms or email`);
  }
  if (!SOURCES.has(entry.source)) {
    throw invalid(`source "${entry.source}" is not one of ${[...SOURCES].join(', ')}`);
  }

  const address = normalizeAddress(entry.channel, entry.address);
  if (address === '') throw invalid('the address is empty');

  const sender = entry.sender === null ? null : normalizeAddress(entry.channel, entry.sender);
  if (sender === '') {
    throw invalid('the sender is empty. Use null to suppress the address for every sender.');
  }

  if (!TIMESTAMP_PATTERN.test(entry.createdAt) || Number.isNaN(Date.parse(entry.createdAt))) {
    throw invalid(
      `createdAt "${entry.createdAt}" is not an ISO 8601 timestamp with Z or a UTC offset`,
    );
  }

  return {
    channel: entry.channel,
    address,
    sender,
    reason: entry.reason,
    source: entry.source,
    // Stored as Date.toISOString() writes it, so that timestamps sort as text.
    created_at: new Date(entry.createdAt).toISOString(),
  };
}

function fromSuppressionRow(row: SuppressionRow): SuppressionEntry {
  return {
    channel: row.channel as SuppressionChannel,
    address: row.address,
    sender: row.sender,
    reason: row.reason,
    source: row.source as SuppressionSource,
    createdAt: row.created_at,
  };
}

function checkChannel(channel: string): void {
  if (!(CHANNELS as readonly string[]).includes(channel)) {
    throw new Error(`invalid suppression channel "${channel}": expected sms or email`);
  }
}

function checkSource(source: string): void {
  if (!SOURCES.has(source)) {
    const expected = [...SOURCES].join(', ');
    throw new Error(`invalid suppression source "${source}": expected one of ${expected}`);
  }
}
