import { createHash } from 'node:crypto';
import type { Row } from '../../core/values.js';
import type { ChangeRecord, Operation } from '../destination.js';

/** One row in a webhook request body. */
export interface WebhookRecord {
  key: string;
  operation: Operation;
  fields: Row | null;
  previous: Row | null;
}

/** The JSON body of every webhook request. `event` is present only when the sync sets one. */
export interface WebhookPayload {
  sync: string;
  run_id: string;
  /** Unique within the run; a batch keeps its id across retries of the same request. */
  batch_id: string;
  event?: string;
  records: WebhookRecord[];
}

export interface BatchIdentity {
  syncName: string;
  runId: string;
  batchId: string;
  event: string | undefined;
}

export function buildWebhookPayload(
  identity: BatchIdentity,
  records: ChangeRecord[],
): WebhookPayload {
  const payload: WebhookPayload = {
    sync: identity.syncName,
    run_id: identity.runId,
    batch_id: identity.batchId,
    records: records.map(({ key, operation, fields, previous }) => ({
      key,
      operation,
      fields,
      previous,
    })),
  };
  if (identity.event !== undefined) payload.event = identity.event;
  return payload;
}

/**
 * Returns the Idempotency-Key of a batch: the hex SHA-256 of the sync, the event and each
 * record's key, operation, content hash and previous fields. It leaves out the run and batch ids,
 * so a later run that sends the same rows in the same batch sends the same key, and a receiver
 * that remembers keys drops the repeat.
 */
export function batchIdempotencyKey(
  syncName: string,
  event: string | undefined,
  records: ChangeRecord[],
): string {
  const contents = records.map((record) => [
    record.key,
    record.operation,
    record.contentHash,
    record.previous,
  ]);
  const text = JSON.stringify([syncName, event ?? null, contents]);
  return createHash('sha256').update(text).digest('hex');
}
