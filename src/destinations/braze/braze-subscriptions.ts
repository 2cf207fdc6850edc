import type { RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { rejected, retryLater } from '../http/outcomes.js';
import type { BrazeWriteContext } from './braze-rows.js';
import type { BrazeUserUpdate, SubscriptionState } from './braze-user.js';

/**
 * Identifiers per subscription group entry, Braze's maximum.
 * https://www.braze.com/docs/api/api_limits
 */
const MAX_IDS_PER_GROUP = 50;

/** The id list of a subscription group entry, by the sync's identify_by. */
const ID_LIST = { external_id: 'external_ids', email: 'emails', phone: 'phones' } as const;

interface GroupMember {
  position: number;
  identifier: string;
}

/**
 * Sets subscription group states with `POST /v2/subscription/status/set`, one group and state
 * per request with up to 50 users, and returns the outcome by row position. The endpoint reports
 * no per-user errors, so a request's outcome applies to each of its users.
 * NOTE: the users were created or updated by `/users/track` a moment earlier, and Braze applies
 * writes with eventual consistency. Whether a brand-new external_id is always visible to this
 * endpoint at once is not documented.
 */
export async function setSubscriptionStates(
  write: BrazeWriteContext,
  entries: { position: number; update: BrazeUserUpdate }[],
): Promise<Map<number, RowOutcome>> {
  const groups = new Map<
    string,
    { groupId: string; state: SubscriptionState; members: GroupMember[] }
  >();
  for (const { position, update } of entries) {
    for (const { groupId, state } of update.subscriptions) {
      const key = `${groupId}\n${state}`;
      const group = groups.get(key) ?? { groupId, state, members: [] };
      group.members.push({ position, identifier: update.identifier });
      groups.set(key, group);
    }
  }

  const outcomes = new Map<number, RowOutcome>();
  for (const { groupId, state, members } of groups.values()) {
    for (let start = 0; start < members.length; start += MAX_IDS_PER_GROUP) {
      const chunk = members.slice(start, start + MAX_IDS_PER_GROUP);
      const outcome = await postStatus(write, groupId, state, chunk);
      for (const member of chunk) {
        const earlier = outcomes.get(member.position);
        if (earlier === undefined || earlier.status === 'accepted')
          outcomes.set(member.position, outcome);
      }
    }
  }
  return outcomes;
}

async function postStatus(
  write: BrazeWriteContext,
  groupId: string,
  state: SubscriptionState,
  members: GroupMember[],
): Promise<RowOutcome> {
  const entry = {
    subscription_group_id: groupId,
    subscription_state: state,
    [ID_LIST[write.options.identify_by]]: members.map((member) => member.identifier),
  };
  const result = await write.api.post('/v2/subscription/status/set', {
    subscription_groups: [entry],
  });
  if (result.kind === 'not_delivered') return retryLater(result.reason, result.retryAfterMs);

  const { status, body } = result.response;
  if (status >= 200 && status < 300) return { status: 'accepted' };
  return rejected(
    `Braze rejected subscription group ${groupId}: ${describeResponse(status, body)}`,
  );
}
