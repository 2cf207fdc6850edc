import { errorMessage } from '../core/errors.js';
import type { ChangeRecord, Destination, RowOutcome } from '../destinations/destination.js';
import type { SuppressionChannel, SuppressionList } from '../suppression/suppression-list.js';

/** The records of a batch to send, and the outcomes of those held back. */
export interface ScreenedBatch {
  toSend: ChangeRecord[];
  heldBack: Map<ChangeRecord, RowOutcome>;
}

/**
 * The check that holds back records whose recipient is on the suppression list, for destinations that name
 * a recipient per record (see Destination.recipientOf). The list's entries for a channel are
 * read once per sync, because a list sync may hold millions of rows and the list is small.
 * An entry for one sender suppresses the address here too, since these destinations have no
 * sender of their own. If the list cannot be read, nothing with a recipient is sent.
 */
export class SuppressionScreen {
  readonly #list: SuppressionList | undefined;
  readonly #addresses = new Map<SuppressionChannel, Promise<Set<string>>>();

  constructor(list: SuppressionList | undefined) {
    this.#list = list;
  }

  async screen(records: ChangeRecord[], destination: Destination): Promise<ScreenedBatch> {
    const heldBack = new Map<ChangeRecord, RowOutcome>();
    if (!destination.recipientOf || !this.#list) return { toSend: records, heldBack };

    const recipients = records.map((record) => destination.recipientOf!(record));
    const lists = await this.#listsFor(new Set(recipients.flatMap((recipient) => (recipient ? [recipient.channel] : []))));
    records.forEach((record, index) => {
      const recipient = recipients[index];
      if (!recipient) return;
      const list = lists.get(recipient.channel)!;
      if (list instanceof Error) {
        heldBack.set(record, { status: 'retry', reason: `not sent: the suppression list lookup failed (${list.message})` });
      } else if (list.has(recipient.address)) {
        heldBack.set(record, { status: 'suppressed', reason: `the recipient is on the ${recipient.channel} suppression list, so it was not sent` });
      }
    });
    return { toSend: records.filter((record) => !heldBack.has(record)), heldBack };
  }

  /** Returns the suppressed addresses of each channel, or the error that reading them raised. */
  async #listsFor(channels: Set<SuppressionChannel>): Promise<Map<SuppressionChannel, Set<string> | Error>> {
    const lists = new Map<SuppressionChannel, Set<string> | Error>();
    for (const channel of channels) {
      lists.set(channel, await this.#suppressedAddresses(channel).catch((error: unknown) => new Error(errorMessage(error))));
    }
    return lists;
  }

  #suppressedAddresses(channel: SuppressionChannel): Promise<Set<string>> {
    let addresses = this.#addresses.get(channel);
    if (!addresses) {
      addresses = this.#list!.list({ channel }).then((entries) => new Set(entries.map((entry) => entry.address)));
      // A failed read is tried again for the next batch, not remembered.
      addresses.catch(() => this.#addresses.delete(channel));
      this.#addresses.set(channel, addresses);
    }
    return addresses;
  }
}
