import type { ChangeRecord, RowOutcome } from '../destinations/destination.js';
import type { LedgerEntry, LedgerStatus, StateStore } from '../state/store.js';

interface LedgerUpdate {
  idempotencyKey: string;
  status: LedgerStatus;
  detail: string | null;
}

/**
 * The send ledger guards destinations whose calls are not idempotent (messages, events). Each
 * row is written as a `pending` intent before the call and resolved after it, so a crash, a
 * failed bookkeeping write or an overlapping run can never send the same content to the same
 * key twice.
 */
export class SendLedger {
  readonly #store: StateStore;
  readonly #sync: string;
  readonly #runId: string;

  constructor(store: StateStore, sync: string, runId: string) {
    this.#store = store;
    this.#sync = sync;
    this.#runId = runId;
  }

  key(record: ChangeRecord): string {
    return `${this.#sync}:${record.key}:${record.contentHash}`;
  }

  /**
   * Splits records into those to send and those already handled: `sent` entries count as
   * accepted; `pending` entries (outcome unknown) are never sent again.
   */
  async screen(records: ChangeRecord[]): Promise<{ toSend: ChangeRecord[]; alreadySent: ChangeRecord[]; unknown: ChangeRecord[] }> {
    const entries = await this.#store.getLedgerEntries(records.map((record) => this.key(record)));
    const toSend: ChangeRecord[] = [];
    const alreadySent: ChangeRecord[] = [];
    const unknown: ChangeRecord[] = [];
    for (const record of records) {
      const status = entries.get(this.key(record))?.status;
      if (status === 'sent') alreadySent.push(record);
      else if (status === 'pending') unknown.push(record);
      else toSend.push(record);
    }
    return { toSend, alreadySent, unknown };
  }

  async recordIntents(records: ChangeRecord[]): Promise<void> {
    const entries: LedgerEntry[] = records.map((record) => ({
      idempotencyKey: this.key(record),
      sync: this.#sync,
      rowKey: record.key,
      contentHash: record.contentHash,
      runId: this.#runId,
      status: 'pending',
      detail: null,
    }));
    await this.#store.recordLedgerIntents(entries);
  }

  /**
   * Records outcomes. A row whose outcome is unknown stays `pending`; a row the destination
   * never processed becomes `rejected`, so a later run may send it.
   */
  async resolve(records: ChangeRecord[], outcomes: RowOutcome[]): Promise<void> {
    const updates = records.flatMap((record, index): LedgerUpdate[] => {
      const outcome = outcomes[index]!;
      if (outcome.status === 'accepted') return [{ idempotencyKey: this.key(record), status: 'sent', detail: null }];
      if (outcome.status === 'retry' && outcome.outcomeUnknown) return [];
      return [{ idempotencyKey: this.key(record), status: 'rejected', detail: outcome.reason }];
    });
    if (updates.length > 0) await this.#store.resolveLedgerEntries(updates);
  }
}
