import { normalizeAddress } from './normalize-address.js';
import type {
  SuppressionChannel,
  SuppressionEntry,
  SuppressionFilter,
  SuppressionList,
  SuppressionRemoval,
} from './suppression-list.js';

/**
 * A suppression list held in memory, for tests and for the imitation servers. Entries are lost
 * when the process exits, so a real sync needs the state store's implementation.
 */
export class MemorySuppressionList implements SuppressionList {
  readonly #entries = new Map<string, SuppressionEntry>();

  async isSuppressed(
    channel: SuppressionChannel,
    address: string,
    sender?: string,
  ): Promise<boolean> {
    const normalized = normalizeAddress(channel, address);
    if (this.#entries.has(entryKey(channel, normalized, null))) return true;
    if (sender === undefined) return false;
    return this.#entries.has(entryKey(channel, normalized, normalizeSender(channel, sender)));
  }

  async add(entries: readonly SuppressionEntry[]): Promise<void> {
    for (const entry of entries) {
      const stored = normalizeEntry(entry);
      const key = entryKey(stored.channel, stored.address, stored.sender);
      if (!this.#entries.has(key)) this.#entries.set(key, stored);
    }
  }

  async remove(removal: SuppressionRemoval): Promise<number> {
    const address = normalizeAddress(removal.channel, removal.address);
    const sender =
      removal.sender === null ? null : normalizeSender(removal.channel, removal.sender);
    const key = entryKey(removal.channel, address, sender);
    const entry = this.#entries.get(key);
    if (!entry) return 0;
    if (removal.sources && !removal.sources.includes(entry.source)) return 0;

    this.#entries.delete(key);
    return 1;
  }

  async list(filter: SuppressionFilter = {}): Promise<SuppressionEntry[]> {
    const { channel, address } = filter;
    return [...this.#entries.values()]
      .filter((entry) => channel === undefined || entry.channel === channel)
      .filter(
        (entry) =>
          address === undefined || entry.address === normalizeAddress(entry.channel, address),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((entry) => ({ ...entry }));
  }
}

function normalizeEntry(entry: SuppressionEntry): SuppressionEntry {
  return {
    ...entry,
    address: normalizeAddress(entry.channel, entry.address),
    sender: entry.sender === null ? null : normalizeSender(entry.channel, entry.sender),
  };
}

/** Senders are normalised like addresses: a sending phone number is E.164 too. */
function normalizeSender(channel: SuppressionChannel, sender: string): string {
  return normalizeAddress(channel, sender);
}

function entryKey(channel: string, address: string, sender: string | null): string {
  return JSON.stringify([channel, address, sender]);
}
