import { DestinationError } from '../../core/errors.js';
import type { RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { rejected, retryLater } from '../http/outcomes.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';

/**
 * Profile ids per list relationship request, Klaviyo's maximum.
 * https://developers.klaviyo.com/en/reference/bulk_import_profiles
 */
const MAX_PROFILES_PER_REQUEST = 1_000;

/**
 * Adds (`POST`) or removes (`DELETE`) profiles on a list through
 * `/api/lists/{id}/relationships/profiles`, which takes Klaviyo profile ids and responds 204.
 * Returns the outcome by profile id. Removing a profile from a list does not change its consent.
 */
export async function changeListMembership(
  write: KlaviyoWriteContext,
  method: 'POST' | 'DELETE',
  listId: string,
  profileIds: string[],
): Promise<Map<string, RowOutcome>> {
  const outcomes = new Map<string, RowOutcome>();
  const unique = [...new Set(profileIds)];
  for (let start = 0; start < unique.length; start += MAX_PROFILES_PER_REQUEST) {
    const chunk = unique.slice(start, start + MAX_PROFILES_PER_REQUEST);
    const chunkOutcomes = await sendChunk(write, method, listId, chunk);
    chunk.forEach((id, index) => outcomes.set(id, chunkOutcomes[index]!));
  }
  return outcomes;
}

/** Sends one request. A 400 for several ids is narrowed down by sending each half again. */
async function sendChunk(
  write: KlaviyoWriteContext,
  method: 'POST' | 'DELETE',
  listId: string,
  ids: string[],
): Promise<RowOutcome[]> {
  const result = await write.api.send({
    family: 'list-relationships',
    method,
    path: `/api/lists/${encodeURIComponent(listId)}/relationships/profiles`,
    body: { data: ids.map((id) => ({ type: 'profile', id })) },
  });
  if (result.kind === 'not_delivered')
    return ids.map(() => retryLater(result.reason, result.retryAfterMs));

  const { status, body } = result.response;
  if (status >= 200 && status < 300) return ids.map(() => ({ status: 'accepted' }));
  const described = describeResponse(status, body);
  if (status === 404) {
    throw new DestinationError(
      `Klaviyo list ${listId} was not found (${described}); check destination_options.list_id`,
      { retryable: false },
    );
  }
  if (status === 400 && ids.length > 1) {
    const half = Math.ceil(ids.length / 2);
    return [
      ...(await sendChunk(write, method, listId, ids.slice(0, half))),
      ...(await sendChunk(write, method, listId, ids.slice(half))),
    ];
  }
  const action = method === 'POST' ? 'adding to' : 'removing from';
  return ids.map(() => rejected(`Klaviyo rejected ${action} list ${listId}: ${described}`));
}
