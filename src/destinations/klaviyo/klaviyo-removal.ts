import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { changeListMembership } from './klaviyo-lists.js';
import { findProfileIds } from './klaviyo-lookup.js';
import { previousIdentity } from './klaviyo-profile.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';

/**
 * Takes profiles off the sync's list (`remove`) or requests their deletion (`delete`). Both
 * need Klaviyo profile ids, which are looked up by the identifier the row was last delivered
 * with. A row whose profile no longer exists is accepted, since there is nothing left to remove.
 */
export async function removeProfiles(
  write: KlaviyoWriteContext,
  records: ChangeRecord[],
  action: 'remove' | 'delete',
  listId: string | undefined,
): Promise<RowOutcome[]> {
  const identities = records.map((record) => previousIdentity(record.previous, write.options));
  const lookup = await findProfileIds(
    write,
    identities.filter((identity): identity is string => identity !== undefined),
  );
  const ids = [...new Set(lookup.ids.values())];
  const byId =
    action === 'remove'
      ? await changeListMembership(write, 'DELETE', listId!, ids)
      : await requestDeletions(write, ids);

  return identities.map((identity): RowOutcome => {
    if (identity === undefined) {
      return rejected(
        'the previously delivered values have no email, phone_number or external_id, so the ' +
          'Klaviyo profile cannot be found',
      );
    }
    const failed = lookup.failed.get(identity);
    if (failed !== undefined) return failed;
    const id = lookup.ids.get(identity);
    return id === undefined ? { status: 'accepted' } : byId.get(id)!;
  });
}

/**
 * Requests deletion of each profile with `POST /api/data-privacy-deletion-jobs`, one profile per
 * request as Klaviyo requires. Klaviyo deletes asynchronously and irreversibly, and the 202 is
 * the only confirmation available.
 */
async function requestDeletions(
  write: KlaviyoWriteContext,
  ids: string[],
): Promise<Map<string, RowOutcome>> {
  const outcomes = await Promise.all(ids.map((id) => requestDeletion(write, id)));
  return new Map(ids.map((id, index) => [id, outcomes[index]!]));
}

async function requestDeletion(write: KlaviyoWriteContext, id: string): Promise<RowOutcome> {
  const result = await write.api.send({
    family: 'deletion',
    method: 'POST',
    path: '/api/data-privacy-deletion-jobs',
    body: {
      data: {
        type: 'data-privacy-deletion-job',
        attributes: { profile: { data: { type: 'profile', id } } },
      },
    },
  });
  if (result.kind === 'not_delivered') return retryLater(result.reason, result.retryAfterMs);
  const { status, body } = result.response;
  if (status >= 200 && status < 300) return { status: 'accepted' };
  return rejected(`Klaviyo rejected the deletion request: ${describeResponse(status, body)}`);
}
