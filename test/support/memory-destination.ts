import { z } from 'zod';
import type { ChangeRecord, Destination, DestinationType, RowOutcome } from '../../src/destinations/destination.js';

/**
 * A destination that keeps what it receives in memory, for engine tests. Each account name
 * has an inbox; a test scripts per-row outcomes and can make a call throw.
 */
export interface Inbox {
  calls: ChangeRecord[][];
  /** Returns the outcome for one record; default accepts everything. */
  respond: (record: ChangeRecord, callIndex: number) => RowOutcome;
  /** Throws instead of answering, for the given call indexes. */
  failCalls: Set<number>;
  /** Waits this long inside each call, to make runs overlap. */
  delayMs: number;
  /** Makes `flush` throw, as a file that cannot be renamed into place would. */
  failFlush: boolean;
  /** `fullRefresh` of the context the destination was last opened with. */
  fullRefresh: boolean | undefined;
}

const inboxes = new Map<string, Inbox>();

export function inbox(name: string): Inbox {
  let box = inboxes.get(name);
  if (!box) {
    box = { calls: [], respond: () => ({ status: 'accepted' }), failCalls: new Set(), delayMs: 0, failFlush: false, fullRefresh: undefined };
    inboxes.set(name, box);
  }
  return box;
}

export function resetInboxes(): void {
  inboxes.clear();
}

export function sentRecords(name: string): ChangeRecord[] {
  return inbox(name).calls.flat();
}

const accountSchema = z.object({
  type: z.literal('memory'),
  inbox: z.string(),
  max_batch_size: z.number().default(100),
  idempotent: z.boolean().default(true),
  max_concurrency: z.number().default(1),
});

export const memoryDestinationType: DestinationType<z.infer<typeof accountSchema>, Record<string, unknown>> = {
  type: 'memory',
  accountSchema,
  syncSchema: z.record(z.string(), z.unknown()),
  accountKey: (account) => `memory:${account.inbox}`,
  async open(account, _options, context) {
    const box = inbox(account.inbox);
    box.fullRefresh = context.fullRefresh;
    const destination: Destination = {
      capabilities: {
        operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove', 'send'],
        maxBatchSize: account.max_batch_size,
        maxConcurrency: account.max_concurrency,
        idempotent: account.idempotent,
      },
      async write(records) {
        const callIndex = box.calls.length;
        box.calls.push(records);
        if (box.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, box.delayMs));
        if (box.failCalls.has(callIndex)) throw new Error(`scripted failure of call ${callIndex}`);
        return records.map((record) => box.respond(record, callIndex));
      },
      async flush() {
        if (box.failFlush) throw new Error('scripted flush failure');
      },
      async close() {},
    };
    return destination;
  },
};
