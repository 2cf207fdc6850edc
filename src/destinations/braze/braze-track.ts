import { redactor } from '../../core/redact.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater, worseOutcome } from '../http/outcomes.js';
import { type BrazeWriteContext, duplicateReason, logDuplicates } from './braze-rows.js';
import { setSubscriptionStates } from './braze-subscriptions.js';
import { type BrazeUserUpdate, buildUserUpdate } from './braze-user.js';

interface PendingUpdate {
  position: number;
  update: BrazeUserUpdate;
}

/**
 * Writes the rows with `POST /users/track`, at most max_objects_per_request attribute objects
 * per request, then sets mapped subscription groups for the rows Braze accepted. Returns one
 * outcome per record. Braze responds to a request with non-fatal problems with a 2xx, `message:
 * "success"` and `errors: [{ type, input_array, index }]`. Only the objects named by index are
 * rejected, and the others were processed (braze-inc/braze-docs,
 * _docs/_api/endpoints/user_data/post_user_track.md).
 */
export async function trackUsers(
  write: BrazeWriteContext,
  records: ChangeRecord[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const pending: PendingUpdate[] = [];
  const firstKeyByIdentifier = new Map<string, string>();
  let duplicates = 0;

  records.forEach((record, position) => {
    const built = buildUserUpdate(record, write.options);
    if (!built.ok) {
      outcomes[position] = rejected(built.reason);
      return;
    }
    const firstKey = firstKeyByIdentifier.get(built.update.identifier);
    if (firstKey !== undefined) {
      duplicates += 1;
      outcomes[position] = rejected(duplicateReason(write.options.identify_by, firstKey));
      return;
    }
    firstKeyByIdentifier.set(built.update.identifier, record.key);
    pending.push({ position, update: built.update });
  });
  logDuplicates(write, write.options.identify_by, duplicates);

  const size = write.account.max_objects_per_request;
  for (let start = 0; start < pending.length; start += size) {
    const chunk = pending.slice(start, start + size);
    const chunkOutcomes = await postTrack(write, chunk);
    chunk.forEach((entry, index) => {
      outcomes[entry.position] = chunkOutcomes[index]!;
    });
  }

  const subscribing = pending.filter(
    (entry) =>
      entry.update.subscriptions.length > 0 && outcomes[entry.position]!.status === 'accepted',
  );
  const subscriptionOutcomes = await setSubscriptionStates(write, subscribing);
  for (const [position, outcome] of subscriptionOutcomes) {
    outcomes[position] = worseOutcome(outcomes[position], outcome);
  }
  return outcomes;
}

/**
 * Sends one request. A fatal 4xx whose errors name objects by index rejects those alone and
 * sends the others again without them.
 */
async function postTrack(
  write: BrazeWriteContext,
  entries: PendingUpdate[],
): Promise<RowOutcome[]> {
  const body = { attributes: entries.map((entry) => entry.update.attributes) };
  const result = await write.api.post('/users/track', body);
  if (result.kind === 'not_delivered') {
    return entries.map(() => retryLater(result.reason, result.retryAfterMs));
  }

  const { response } = result;
  const parsed = parseJsonBody(response);
  const named = objectErrorsByIndex(parsed, entries.length);
  if (response.status >= 200 && response.status < 300) {
    return entries.map((_entry, index) => {
      const error = named.get(index);
      return error === undefined
        ? { status: 'accepted' }
        : rejected(`Braze rejected the user: ${error}`);
    });
  }

  const described = describeResponse(response.status, response.body);
  if (named.size === 0)
    return entries.map(() => rejected(`Braze rejected the request: ${described}`));

  const outcomes: RowOutcome[] = new Array(entries.length);
  const rest: number[] = [];
  entries.forEach((_entry, index) => {
    const error = named.get(index);
    if (error === undefined) rest.push(index);
    else outcomes[index] = rejected(`Braze rejected the user: ${error}`);
  });
  if (rest.length > 0) {
    const resent = await postTrack(
      write,
      rest.map((index) => entries[index]!),
    );
    rest.forEach((index, position) => {
      outcomes[index] = resent[position]!;
    });
  }
  return outcomes;
}

/** Reads `errors: [{ type, input_array: "attributes", index }]` into the message by index. */
function objectErrorsByIndex(body: unknown, count: number): Map<number, string> {
  const byIndex = new Map<number, string>();
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return byIndex;

  for (const error of errors as { type?: unknown; input_array?: unknown; index?: unknown }[]) {
    const index = error?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count)
      continue;
    if (error.input_array !== undefined && error.input_array !== 'attributes') continue;
    const type =
      typeof error.type === 'string' ? redactor.redact(error.type).slice(0, 300) : 'invalid object';
    byIndex.set(index, [byIndex.get(index), type].filter(Boolean).join('; '));
  }
  return byIndex;
}
