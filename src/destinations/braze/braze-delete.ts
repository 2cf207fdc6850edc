import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { rejected, retryLater } from '../http/outcomes.js';
import type { BrazeWriteContext } from './braze-rows.js';
import { identifierOf } from './braze-user.js';

/**
 * Identifiers per `/users/delete` request, Braze's maximum. Each request takes one identifier type.
 * https://www.braze.com/docs/api/api_limits
 */
const MAX_IDS_PER_DELETE = 50;

/** The request field holding the ids, by the sync's identify_by. */
const ID_FIELD = {
  external_id: 'external_ids',
  email: 'email_addresses',
  phone: 'phone_numbers',
} as const;

/**
 * Deletes the users named by the rows' previously delivered identifiers with
 * `POST /users/delete` and returns one outcome per record. Braze deletes irreversibly and
 * reports no per-user result, so a 2xx accepts every user of the request. Deleting a user who
 * is already gone is not an error.
 */
export async function deleteUsers(
  write: BrazeWriteContext,
  records: ChangeRecord[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const positionsById = new Map<string, number[]>();
  records.forEach((record, position) => {
    const identifier = identifierOf(record.previous, write.options);
    if (!identifier.ok) {
      outcomes[position] = rejected(`cannot delete: ${identifier.reason} in the previous values`);
      return;
    }
    positionsById.set(identifier.value, [...(positionsById.get(identifier.value) ?? []), position]);
  });

  const ids = [...positionsById.keys()];
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_DELETE) {
    const chunk = ids.slice(start, start + MAX_IDS_PER_DELETE);
    const chunkOutcomes = await postDelete(write, chunk);
    chunk.forEach((id, index) => {
      for (const position of positionsById.get(id)!) outcomes[position] = chunkOutcomes[index]!;
    });
  }
  return outcomes;
}

/** Sends one delete. A 400 for several ids is narrowed down by sending each half again. */
async function postDelete(write: BrazeWriteContext, ids: string[]): Promise<RowOutcome[]> {
  const result = await write.api.post('/users/delete', {
    [ID_FIELD[write.options.identify_by]]: ids,
  });
  if (result.kind === 'not_delivered') {
    return ids.map(() => retryLater(result.reason, result.retryAfterMs));
  }

  const { status, body } = result.response;
  if (status >= 200 && status < 300) return ids.map(() => ({ status: 'accepted' }));
  if (status === 400 && ids.length > 1) {
    const half = Math.ceil(ids.length / 2);
    return [
      ...(await postDelete(write, ids.slice(0, half))),
      ...(await postDelete(write, ids.slice(half))),
    ];
  }
  const reason = `Braze rejected the delete: ${describeResponse(status, body)}`;
  return ids.map(() => rejected(reason));
}
